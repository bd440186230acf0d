package dev.kelpie.api.actor;

import java.util.Map;

/**
 * Counters of one actor type since it was deployed.
 *
 * @param type the type's name
 * @param invocations messages completed (successfully or not)
 * @param failures invocations that failed for any reason
 * @param timeouts invocations that ran past the timeout
 * @param rejected messages refused before queueing (mailbox full, payload too large)
 * @param activeActors actors of the type active now
 * @param activations activations so far
 * @param passivations passivations so far
 * @param p50Micros median invocation latency, from enqueue to completion
 * @param p99Micros 99th percentile latency
 * @param p999Micros 99.9th percentile latency
 * @param maxMicros largest latency
 * @param droppedOutputLines lines of guest output (console and log) its instances wrote too fast to keep
 * @param failuresByReason failed and rejected invocations by {@link ActorInvocationException.Reason}, named in
 *     lower case ({@code actor_error}, {@code mailbox_full}, ...); reasons that never occurred are absent
 */
public record ActorTypeStats(
        String type,
        long invocations,
        long failures,
        long timeouts,
        long rejected,
        int activeActors,
        long activations,
        long passivations,
        long p50Micros,
        long p99Micros,
        long p999Micros,
        long maxMicros,
        long droppedOutputLines,
        Map<String, Long> failuresByReason) {

    public ActorTypeStats {
        failuresByReason = failuresByReason == null ? Map.of() : Map.copyOf(failuresByReason);
    }

    /** The counters without failures by reason (as before they were counted). */
    public ActorTypeStats(String type, long invocations, long failures, long timeouts, long rejected, int activeActors,
            long activations, long passivations, long p50Micros, long p99Micros, long p999Micros, long maxMicros,
            long droppedOutputLines) {
        this(type, invocations, failures, timeouts, rejected, activeActors, activations, passivations, p50Micros,
                p99Micros, p999Micros, maxMicros, droppedOutputLines, Map.of());
    }

    /** The counters without dropped output lines (as before they were counted). */
    public ActorTypeStats(String type, long invocations, long failures, long timeouts, long rejected, int activeActors,
            long activations, long passivations, long p50Micros, long p99Micros, long p999Micros, long maxMicros) {
        this(type, invocations, failures, timeouts, rejected, activeActors, activations, passivations, p50Micros,
                p99Micros, p999Micros, maxMicros, 0);
    }
}
