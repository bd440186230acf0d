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
 */
public record RuntimeSettings(
        int workers, int maxActiveActors, Duration watchdogTick, Duration shutdownGrace, ActorLimits defaultLimits) {
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
    }

    public RuntimeSettings withWorkers(int n) {
        return new RuntimeSettings(n, maxActiveActors, watchdogTick, shutdownGrace, defaultLimits);
    }

    public RuntimeSettings withMaxActiveActors(int n) {
        return new RuntimeSettings(workers, n, watchdogTick, shutdownGrace, defaultLimits);
    }

    public RuntimeSettings withShutdownGrace(Duration d) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, d, defaultLimits);
    }

    public RuntimeSettings withDefaultLimits(ActorLimits limits) {
        return new RuntimeSettings(workers, maxActiveActors, watchdogTick, shutdownGrace, limits);
    }
}
