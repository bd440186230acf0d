package dev.kelpie.host.log;

import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host functions of namespace {@value #NAMESPACE}: {@code debug}, {@code info}, {@code warn} and
 * {@code error}, each logging its payload (UTF-8 text) through {@link System.Logger} at that level. In
 * OSGi each operation is its own Declarative Services component; {@link #all()} gives the same functions
 * for plain-Java embedding.
 *
 * <p>Loggers are named {@code kelpie.actor.<actor type>} for actors and {@code kelpie.guest.<module name>}
 * for other guests; messages read {@code [<actor id or instance label>] <text>}.
 */
public final class LogHostFunctions {
    public static final String NAMESPACE = "log";
    public static final String DEBUG = "debug";
    public static final String INFO = "info";
    public static final String WARN = "warn";
    public static final String ERROR = "error";
    /** Longest text logged, in bytes; longer payloads are cut and marked {@value #TRUNCATED}. */
    public static final int MAX_TEXT_BYTES = 64 * 1024;
    /** Appended to a cut line. */
    public static final String TRUNCATED = "…(truncated)";

    private LogHostFunctions() {}

    /** Every log function by its key (binding {@code kelpie}), in the order debug, info, warn, error. */
    public static Map<HostFunctionKey, HostFunction> all() {
        return all(LogSink.SYSTEM);
    }

    static Map<HostFunctionKey, HostFunction> all(LogSink sink) {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(DEBUG), new LogDebug(sink));
        functions.put(key(INFO), new LogInfo(sink));
        functions.put(key(WARN), new LogWarn(sink));
        functions.put(key(ERROR), new LogError(sink));
        return functions;
    }

    static HostFunctionKey key(String operation) {
        return new HostFunctionKey(HostFunction.DEFAULT_BINDING, NAMESPACE, operation);
    }
}
