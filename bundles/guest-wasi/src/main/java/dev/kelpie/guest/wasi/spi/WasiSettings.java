package dev.kelpie.guest.wasi.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a WASI binding gives a guest.
 *
 * @param maxLineBytes longest line of stdout/stderr passed to the console, in bytes; longer lines are
 *     cut and end with {@code …(truncated)}
 * @param maxLinesPerSecond lines of stdout and stderr together one instance may write to the console
 *     per second; further lines are dropped, counted, and reported in one line when output resumes
 * @param arguments the guest's {@code argv} (empty by default)
 * @param environment the guest's environment variables (empty by default)
 * @param preopenedDirectories host directories the guest sees, by guest path (empty by default: the
 *     guest has no filesystem). Nothing in Kelpie's configuration sets this yet.
 */
public record WasiSettings(int maxLineBytes, int maxLinesPerSecond, List<String> arguments,
        Map<String, String> environment, Map<String, Path> preopenedDirectories) {
    public static final int DEFAULT_MAX_LINE_BYTES = 4096;
    public static final int DEFAULT_MAX_LINES_PER_SECOND = 100;
    /** Bounds of {@link #maxLineBytes}. */
    public static final int MIN_LINE_BYTES = 16;
    public static final int MAX_LINE_BYTES = 1 << 20;
    /** Upper bound of {@link #maxLinesPerSecond}. */
    public static final int MAX_LINES_PER_SECOND = 1_000_000;

    /** No arguments, no environment, no filesystem, 4 KiB lines, 100 lines a second. */
    public static final WasiSettings DEFAULTS = new WasiSettings(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINES_PER_SECOND,
            List.of(), Map.of(), Map.of());

    public WasiSettings {
        if (maxLineBytes < MIN_LINE_BYTES || maxLineBytes > MAX_LINE_BYTES) {
            throw new IllegalArgumentException("WASI max line bytes must be " + MIN_LINE_BYTES + " to " + MAX_LINE_BYTES
                    + ", was " + maxLineBytes);
        }
        if (maxLinesPerSecond < 1 || maxLinesPerSecond > MAX_LINES_PER_SECOND) {
            throw new IllegalArgumentException("WASI max lines per second must be 1 to " + MAX_LINES_PER_SECOND
                    + ", was " + maxLinesPerSecond);
        }
        arguments = List.copyOf(arguments);
        environment = Map.copyOf(environment);
        preopenedDirectories = Map.copyOf(preopenedDirectories);
    }

    public WasiSettings withMaxLineBytes(int bytes) {
        return new WasiSettings(bytes, maxLinesPerSecond, arguments, environment, preopenedDirectories);
    }

    public WasiSettings withMaxLinesPerSecond(int lines) {
        return new WasiSettings(maxLineBytes, lines, arguments, environment, preopenedDirectories);
    }

    public WasiSettings withArguments(List<String> args) {
        return new WasiSettings(maxLineBytes, maxLinesPerSecond, args, environment, preopenedDirectories);
    }

    public WasiSettings withEnvironment(Map<String, String> env) {
        return new WasiSettings(maxLineBytes, maxLinesPerSecond, arguments, env, preopenedDirectories);
    }

    public WasiSettings withPreopenedDirectories(Map<String, Path> directories) {
        return new WasiSettings(maxLineBytes, maxLinesPerSecond, arguments, environment, directories);
    }
}
