package dev.kelpie.api.actor;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Limits of one actor type.
 *
 * @param invocationTimeout longest a turn may run; past it the guest is interrupted and the turn rolled back
 * @param maxMemoryBytes cap on a WASM actor's linear memory
 * @param maxPayloadBytes largest request payload accepted (and largest state value)
 * @param mailboxCapacity messages that may wait for one actor
 * @param idleTimeout an actor with no message for this long is passivated
 */
public record ActorLimits(
        Duration invocationTimeout, long maxMemoryBytes, int maxPayloadBytes, int mailboxCapacity, Duration idleTimeout) {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    public static final ActorLimits DEFAULTS =
            new ActorLimits(Duration.ofSeconds(30), 256L << 20, 1 << 20, 10_000, Duration.ofMinutes(5));

    public ActorLimits {
        if (invocationTimeout == null || invocationTimeout.isNegative() || invocationTimeout.isZero()) {
            throw new IllegalArgumentException("invocationTimeout must be positive, was " + invocationTimeout);
        }
        if (maxMemoryBytes < 65536) {
            throw new IllegalArgumentException("maxMemoryBytes must be at least one 64 KiB page, was " + maxMemoryBytes);
        }
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must not be negative, was " + maxPayloadBytes);
        }
        if (mailboxCapacity < 1) {
            throw new IllegalArgumentException("mailboxCapacity must be at least 1, was " + mailboxCapacity);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
        }
    }

    public ActorLimits withInvocationTimeout(Duration d) {
        return new ActorLimits(d, maxMemoryBytes, maxPayloadBytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMaxMemoryBytes(long bytes) {
        return new ActorLimits(invocationTimeout, bytes, maxPayloadBytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMaxPayloadBytes(int bytes) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, bytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMailboxCapacity(int capacity) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, maxPayloadBytes, capacity, idleTimeout);
    }

    public ActorLimits withIdleTimeout(Duration d) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, maxPayloadBytes, mailboxCapacity, d);
    }

    /**
     * Parses a duration in the notation of {@code Kelpie-Module} headers and {@code kelpie:install}: a whole
     * number and a unit, {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 30s}, {@code 5m}).
     *
     * @throws IllegalArgumentException naming the text when it is not such a duration
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(String.valueOf(text).trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 30s, 5m or 1h");
        }
        long n = parseLong(text, m.group(1));
        switch (m.group(2)) {
            case "ms": return Duration.ofMillis(n);
            case "s": return Duration.ofSeconds(n);
            case "m": return Duration.ofMinutes(n);
            default: return Duration.ofHours(n);
        }
    }

    /**
     * Parses a size in bytes in the notation of {@code Kelpie-Module} headers and {@code kelpie:install}: a whole
     * number, optionally with a binary unit ({@code 65536}, {@code 64KiB}, {@code 256MiB}, {@code 1GiB}; also
     * {@code k}, {@code kb}, {@code m}, {@code mb}, {@code g}, {@code gb}, case-insensitive, all powers of 1024).
     *
     * @throws IllegalArgumentException naming the text when it is not such a size, or it overflows a long
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(String.valueOf(text).trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size like 65536, 64KiB, 256MiB or 1GiB");
        }
        long n = parseLong(text, m.group(1));
        switch (m.group(2)) {
            case "k": case "kb": case "kib": return times(text, n, 1024L);
            case "m": case "mb": case "mib": return times(text, n, 1024L * 1024);
            case "g": case "gb": case "gib": return times(text, n, 1024L * 1024 * 1024);
            default: return n;
        }
    }

    private static long parseLong(String text, String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    private static long times(String text, long n, long unit) {
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }
}
