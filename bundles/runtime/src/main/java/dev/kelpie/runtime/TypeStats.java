package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorTypeStats;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Counters of one actor type; lock-free to record, read by {@link #snapshot}. */
final class TypeStats {
    final LongAdder invocations = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder activations = new LongAdder();
    final LongAdder passivations = new LongAdder();
    final LongAdder droppedOutputLines = new LongAdder();
    final AtomicInteger active = new AtomicInteger();
    private final Recorder latency = new Recorder(3);
    private final Histogram total = new Histogram(3);

    void recordLatency(long nanos) {
        latency.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    synchronized ActorTypeStats snapshot(String type) {
        total.add(latency.getIntervalHistogram());
        return new ActorTypeStats(type, invocations.sum(), failures.sum(), timeouts.sum(), rejected.sum(), active.get(),
                activations.sum(), passivations.sum(), total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue(),
                droppedOutputLines.sum());
    }
}
