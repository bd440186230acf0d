package dev.kelpie.guest.wasi.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a WASI binding gives a guest.
 *
 * @param maxLineBytes longest line of stdout/stderr passed to the console, in bytes; longer lines are
 *     cut and end with {@code …(truncated)}
 * @param arguments the guest's {@code argv} (empty by default)
 * @param environment the guest's environment variables (empty by default)
 * @param preopenedDirectories host directories the guest sees, by guest path (empty by default: the
 *     guest has no filesystem). Nothing in Kelpie's configuration sets this yet.
 */
public record WasiSettings(int maxLineBytes, List<String> arguments,
        Map<String, String> environment, Map<String, Path> preopenedDirectories) {
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;
    /** Bounds of {@link #maxLineBytes}. */
    public static final int MIN_LINE_BYTES = 16;
    public static final int MAX_LINE_BYTES = 1 << 20;

    /** No arguments, no environment, no filesystem, 4 KiB lines. */
    public static final WasiSettings DEFAULTS = new WasiSettings(DEFAULT_MAX_LINE_BYTES, List.of(), Map.of(), Map.of());

    public WasiSettings {
        if (maxLineBytes < MIN_LINE_BYTES || maxLineBytes > MAX_LINE_BYTES) {
            throw new IllegalArgumentException("WASI max line bytes must be " + MIN_LINE_BYTES + " to " + MAX_LINE_BYTES
                    + ", was " + maxLineBytes);
        }
        arguments = List.copyOf(arguments);
        environment = Map.copyOf(environment);
        preopenedDirectories = Map.copyOf(preopenedDirectories);
    }

    public WasiSettings withMaxLineBytes(int bytes) {
        return new WasiSettings(bytes, arguments, environment, preopenedDirectories);
    }

    public WasiSettings withArguments(List<String> args) {
        return new WasiSettings(maxLineBytes, args, environment, preopenedDirectories);
    }

    public WasiSettings withEnvironment(Map<String, String> env) {
        return new WasiSettings(maxLineBytes, arguments, env, preopenedDirectories);
    }

    public WasiSettings withPreopenedDirectories(Map<String, Path> directories) {
        return new WasiSettings(maxLineBytes, arguments, environment, directories);
    }
}
