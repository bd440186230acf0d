package dev.kelpie.api.module;

/** How a module's code runs. */
public enum ExecutionMode {
    /**
     * Chicory's runtime compiler turns the module into JVM bytecode once; functions too big for the JVM
     * fall back to the interpreter.
     */
    COMPILED,
    /** Chicory's interpreter only: slower, no compile step, no generated classes. */
    INTERPRETED;

    /** Parses {@code compiled} or {@code interpreted} (any case); the error names the allowed values. */
    public static ExecutionMode parse(String text) {
        for (ExecutionMode m : values()) {
            if (m.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "unknown execution mode '" + text + "': expected 'compiled' or 'interpreted'");
    }
}
