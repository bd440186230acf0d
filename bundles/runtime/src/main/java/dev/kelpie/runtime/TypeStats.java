package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorTypeStats;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
    private final Map<Reason, LongAdder> byReason = new EnumMap<>(Reason.class);
    private final Recorder latency = new Recorder(3);

    TypeStats() {
        for (Reason r : Reason.values()) {
            byReason.put(r, new LongAdder());
        }
    }

    /** Counts a failed or rejected invocation under its reason. */
    void failed(Reason reason) {
        byReason.get(reason).increment();
    }
    private final Histogram total = new Histogram(3);

    void recordLatency(long nanos) {
        latency.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    synchronized ActorTypeStats snapshot(String type) {
        total.add(latency.getIntervalHistogram());
        return new ActorTypeStats(type, invocations.sum(), failures.sum(), timeouts.sum(), rejected.sum(), active.get(),
                activations.sum(), passivations.sum(), total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue(),
                droppedOutputLines.sum(), reasons());
    }

    private Map<String, Long> reasons() {
        Map<String, Long> out = new TreeMap<>();
        byReason.forEach((r, n) -> {
            long count = n.sum();
            if (count > 0) {
                out.put(r.name().toLowerCase(Locale.ROOT), count);
            }
        });
        return out;
    }
}
