package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorLimits;
import java.time.Duration;

/**
 * Settings of a {@link KelpieActorRuntime}.
 *
 * @param workers threads that run turns (actors share them; no thread per actor)
 * @param maxActiveActors cap on active actors; past it the least recently used idle ones are passivated
 * @param watchdogTick how often timeouts are checked (a turn is interrupted at most one tick late)
 * @param shutdownGrace how long {@code close()} lets queued messages drain before failing them
 * @param defaultLimits the limits of types whose deployment sets none
 * @param maxTotalMemoryBytes linear memory all active WASM actors together may hold; an activation that
 *     does not fit passivates least recently used idle actors, then fails with RESOURCE_EXHAUSTED
 * @param maxTurnWriteBytes state bytes (keys and values) one turn may buffer; past it the turn fails
 *     with RESOURCE_EXHAUSTED and is rolled back
 * @param callWaitAllowance what {@code ActorRef.call} waits beyond the type's invocation timeout (time
 *     in the mailbox) before it gives up with TIMEOUT
 * @param callerRunTurns how many threads calling {@code ActorRef.call} may at once run a turn of an idle
 *     WASM actor themselves instead of handing it to a worker (the caller-runs fast path); 0 turns it off,
 *     -1 means as many as {@code workers}
 */
public record RuntimeSettings(
        int workers, int maxActiveActors, Duration watchdogTick, Duration shutdownGrace, ActorLimits defaultLimits,
        long maxTotalMemoryBytes, long maxTurnWriteBytes, Duration callWaitAllowance, int callerRunTurns) {
    /** Default {@link #maxTotalMemoryBytes}: half the maximum heap, at most 1 GiB. */
    public static final long DEFAULT_MAX_TOTAL_MEMORY_BYTES = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 2);
    public static final long DEFAULT_MAX_TURN_WRITE_BYTES = 16L << 20;
    public static final Duration DEFAULT_CALL_WAIT_ALLOWANCE = Duration.ofSeconds(30);
    /** Default {@link #callerRunTurns}: as many as there are workers. */
    public static final int DEFAULT_CALLER_RUN_TURNS = -1;

    public static final RuntimeSettings DEFAULTS = new RuntimeSettings(Runtime.getRuntime().availableProcessors(),
            100_000, Duration.ofMillis(10), Duration.ofSeconds(10), ActorLimits.DEFAULTS);

    public RuntimeSettings {
        if (workers < 1 || workers > 1024) {
            throw new IllegalArgumentException("workers must be 1..1024, was " + workers);
        }
        if (maxActiveActors < 1) {
            throw new IllegalArgumentException("maxActiveActors must be at least 1, was " + maxActiveActors);
        }
        if (watchdogTick == null || watchdogTick.toMillis() < 1) {
            throw new IllegalArgumentException("watchdogTick must be at least 1 ms, was " + watchdogTick);
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative, was " + shutdownGrace);
        }
        if (defaultLimits == null) {
            throw new IllegalArgumentException("defaultLimits is required");
        }
        if (maxTotalMemoryBytes < 65536) {
            throw new IllegalArgumentException("maxTotalMemoryBytes must be at least one 64 KiB page, was " + maxTotalMemoryBytes);
        }
        if (maxTurnWriteBytes < 1) {
            throw new IllegalArgumentException("maxTurnWriteBytes must be positive, was " + maxTurnWriteBytes);
        }
        if (callWaitAllowance == null || callWaitAllowance.isNegative()) {
            throw new IllegalArgumentException("callWaitAllowance must not be negative, was " + callWaitAllowance);
        }
        if (callerRunTurns < -1 || callerRunTurns > 1024) {
            throw new IllegalArgumentException("callerRunTurns must be -1 (as many as workers), 0 (off) or 1..1024, was "
                    + callerRunTurns);
        }
    }

    /** Settings with the default number of caller-run turns. */
    public RuntimeSettings(int workers, int maxActiveActors, Duration watchdogTick, Duration shutdownGrace,
            ActorLimits defaultLimits, long maxTotalMemoryBytes, long maxTurnWriteBytes, Duration callWaitAllowance) {
        this(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits, maxTotalMemoryBytes,
                maxTurnWriteBytes, callWaitAllowance, DEFAULT_CALLER_RUN_TURNS);
    }

    /** How many caller threads may run turns at once (resolving -1 to the number of workers). */
    int callerRunSlots() {
        return callerRunTurns < 0 ? workers : callerRunTurns;
    }

    /** Settings with the default memory budget, turn write cap and call allowance. */
    public RuntimeSettings(int workers, int maxActiveActors, Duration watchdogTick, Duration shutdownGrace,
            ActorLimits defaultLimits) {
        this(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits, DEFAULT_MAX_TOTAL_MEMORY_BYTES,
                DEFAULT_MAX_TURN_WRITE_BYTES, DEFAULT_CALL_WAIT_ALLOWANCE);
    }

    public RuntimeSettings withWorkers(int n) {
        return new RuntimeSettings(n, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits, maxTotalMemoryBytes,
                maxTurnWriteBytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withMaxActiveActors(int n) {
        return new RuntimeSettings(workers, n, watchdogTick, shutdownGrace, defaultLimits, maxTotalMemoryBytes,
                maxTurnWriteBytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withShutdownGrace(Duration d) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, d, defaultLimits, maxTotalMemoryBytes,
                maxTurnWriteBytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withDefaultLimits(ActorLimits limits) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, limits, maxTotalMemoryBytes,
                maxTurnWriteBytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withMaxTotalMemoryBytes(long bytes) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits, bytes,
                maxTurnWriteBytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withMaxTurnWriteBytes(long bytes) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits,
                maxTotalMemoryBytes, bytes, callWaitAllowance, callerRunTurns);
    }

    public RuntimeSettings withCallWaitAllowance(Duration d) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits,
                maxTotalMemoryBytes, maxTurnWriteBytes, d, callerRunTurns);
    }

    public RuntimeSettings withCallerRunTurns(int n) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits,
                maxTotalMemoryBytes, maxTurnWriteBytes, callWaitAllowance, n);
    }
}
