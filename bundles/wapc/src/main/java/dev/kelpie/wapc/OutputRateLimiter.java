package dev.kelpie.wapc;

import dev.kelpie.api.host.OutputLimiter;
import java.util.function.LongSupplier;

/**
 * The output limiter of one instance: two token buckets, one of lines and one of bytes, refilled at their
 * rates per second and holding {@value WapcSettings#OUTPUT_BURST_SECONDS} seconds' worth. A line takes one
 * line token and its length in byte tokens (at most a full byte bucket); without them it is dropped and
 * counted. The first drop runs a notice, once per instance.
 */
final class OutputRateLimiter implements OutputLimiter {
    private static final double NANOS_PER_SECOND = 1e9;

    private final double linesPerNano;
    private final double bytesPerNano;
    private final double lineCapacity;
    private final double byteCapacity;
    private final LongSupplier clock;
    private final Runnable firstDropNotice;

    // guarded by this
    private double lines;
    private double bytes;
    private long lastRefill;
    private long dropped;

    /**
     * @param linesPerSecond lines per second, 0 for no line limit
     * @param bytesPerSecond bytes per second, 0 for no byte limit
     */
    OutputRateLimiter(int linesPerSecond, int bytesPerSecond, Runnable firstDropNotice) {
        this(linesPerSecond, bytesPerSecond, firstDropNotice, System::nanoTime);
    }

    OutputRateLimiter(int linesPerSecond, int bytesPerSecond, Runnable firstDropNotice, LongSupplier clock) {
        this.linesPerNano = linesPerSecond / NANOS_PER_SECOND;
        this.bytesPerNano = bytesPerSecond / NANOS_PER_SECOND;
        this.lineCapacity = linesPerSecond == 0 ? Double.POSITIVE_INFINITY
                : (double) linesPerSecond * WapcSettings.OUTPUT_BURST_SECONDS;
        this.byteCapacity = bytesPerSecond == 0 ? Double.POSITIVE_INFINITY
                : (double) bytesPerSecond * WapcSettings.OUTPUT_BURST_SECONDS;
        this.clock = clock;
        this.firstDropNotice = firstDropNotice;
        this.lines = lineCapacity;
        this.bytes = byteCapacity;
        this.lastRefill = clock.getAsLong();
    }

    /** The longest line worth keeping: a full byte bucket (Long.MAX_VALUE without a byte limit). */
    long maxLineBytes() {
        return byteCapacity == Double.POSITIVE_INFINITY ? Long.MAX_VALUE : (long) byteCapacity;
    }

    @Override
    public boolean tryEmit(long lineBytes) {
        boolean firstDrop;
        synchronized (this) {
            long now = clock.getAsLong();
            long elapsed = now - lastRefill;
            if (elapsed > 0) {
                lines = Math.min(lineCapacity, lines + elapsed * linesPerNano);
                bytes = Math.min(byteCapacity, bytes + elapsed * bytesPerNano);
                lastRefill = now;
            }
            double cost = Math.min(Math.max(0, lineBytes), byteCapacity);
            if (lines >= 1 && bytes >= cost) {
                lines -= 1;
                bytes -= cost;
                return true;
            }
            firstDrop = dropped++ == 0;
        }
        if (firstDrop) {
            firstDropNotice.run();
        }
        return false;
    }

    @Override
    public synchronized long droppedLines() {
        return dropped;
    }
}
