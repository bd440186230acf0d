package dev.kelpie.runtime;

import dev.kelpie.api.actor.LatencyStats;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A latency distribution, lock-free to record (HdrHistogram, 3 significant digits), read by {@link #snapshot}. */
final class LatencyRecorder {
    private final Recorder interval = new Recorder(3);
    private final Histogram total = new Histogram(3);

    void record(long nanos) {
        interval.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    synchronized LatencyStats snapshot() {
        total.add(interval.getIntervalHistogram());
        return new LatencyStats(total.getTotalCount(), total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue());
    }
}
