package dev.kelpie.host.clock;

import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * The host functions of namespaces {@value #CLOCK} and {@value #RANDOM}. In OSGi each operation is its own
 * Declarative Services component; {@link #all()} gives the same functions for plain-Java embedding.
 *
 * <table>
 * <caption>operations (binding {@code kelpie})</caption>
 * <tr><th>key</th><th>payload</th><th>response</th></tr>
 * <tr><td>{@code clock/now_millis}</td><td>ignored</td><td>epoch milliseconds, decimal ASCII</td></tr>
 * <tr><td>{@code clock/monotonic_nanos}</td><td>ignored</td><td>{@link System#nanoTime()}, decimal ASCII</td></tr>
 * <tr><td>{@code random/bytes}</td><td>N, decimal ASCII, 1..65536</td><td>N bytes from a {@link SecureRandom}</td></tr>
 * <tr><td>{@code random/u64}</td><td>ignored</td><td>8 random bytes (a little-endian u64)</td></tr>
 * </table>
 */
public final class ClockHostFunctions {
    public static final String CLOCK = "clock";
    public static final String NOW_MILLIS = "now_millis";
    public static final String MONOTONIC_NANOS = "monotonic_nanos";
    public static final String RANDOM = "random";
    public static final String BYTES = "bytes";
    public static final String U64 = "u64";
    /** Largest {@code random/bytes} request. */
    public static final int MAX_RANDOM_BYTES = 65536;

    /** One generator for the bundle: SecureRandom is thread-safe and seeding it is the expensive part. */
    static final Random SECURE_RANDOM = new SecureRandom();

    private ClockHostFunctions() {}

    /** Every clock and random function by its key (binding {@code kelpie}). */
    public static Map<HostFunctionKey, HostFunction> all() {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.putAll(clock());
        functions.putAll(random());
        return functions;
    }

    /** The {@value #CLOCK} functions by key. */
    public static Map<HostFunctionKey, HostFunction> clock() {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(CLOCK, NOW_MILLIS), new ClockNowMillis());
        functions.put(key(CLOCK, MONOTONIC_NANOS), new ClockMonotonicNanos());
        return functions;
    }

    /** The {@value #RANDOM} functions by key. */
    public static Map<HostFunctionKey, HostFunction> random() {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(RANDOM, BYTES), new RandomBytes());
        functions.put(key(RANDOM, U64), new RandomU64());
        return functions;
    }

    static HostFunctionKey key(String namespace, String operation) {
        return new HostFunctionKey(HostFunction.DEFAULT_BINDING, namespace, operation);
    }

    static byte[] decimal(LongSupplier source) {
        return Long.toString(source.getAsLong()).getBytes(StandardCharsets.US_ASCII);
    }
}
