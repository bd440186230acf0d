package dev.kelpie.guest.wasi.spi;

/**
 * How a WASI binding limits a guest. What a guest is given (arguments, environment variables, a
 * directory) comes with each instance: {@link dev.kelpie.api.wasm.GuestContext#environment()}.
 *
 * @param maxLineBytes longest line of stdout/stderr passed to the console, in bytes; longer lines are
 *     cut and end with {@code …(truncated)}
 * @param maxOpenFiles files and directories an instance may hold open in its directory at once, besides
 *     the directory itself; {@code path_open} answers {@code EMFILE} past it
 */
public record WasiSettings(int maxLineBytes, int maxOpenFiles) {
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;
    /** Bounds of {@link #maxLineBytes}. */
    public static final int MIN_LINE_BYTES = 16;
    public static final int MAX_LINE_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_OPEN_FILES = 64;
    /** Upper bound of {@link #maxOpenFiles}. */
    public static final int MAX_OPEN_FILES = 65536;

    /** 4 KiB lines, 64 open files. */
    public static final WasiSettings DEFAULTS = new WasiSettings(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_OPEN_FILES);

    public WasiSettings {
        if (maxLineBytes < MIN_LINE_BYTES || maxLineBytes > MAX_LINE_BYTES) {
            throw new IllegalArgumentException("WASI max line bytes must be " + MIN_LINE_BYTES + " to " + MAX_LINE_BYTES
                    + ", was " + maxLineBytes);
        }
        if (maxOpenFiles < 1 || maxOpenFiles > MAX_OPEN_FILES) {
            throw new IllegalArgumentException("WASI max open files must be 1 to " + MAX_OPEN_FILES + ", was "
                    + maxOpenFiles);
        }
    }

    public WasiSettings withMaxLineBytes(int bytes) {
        return new WasiSettings(bytes, maxOpenFiles);
    }

    public WasiSettings withMaxOpenFiles(int files) {
        return new WasiSettings(maxLineBytes, files);
    }
}
