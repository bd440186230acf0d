package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.timers.ScheduleRejectedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * The timers of active actors, in memory. A timer sends its message when due; a periodic one schedules its
 * next message when the previous one has been handled. {@link #passivated} drops all timers of an actor. All
 * state is guarded by {@code this}; sending and the actors' turns happen outside the lock.
 */
final class TimerTable {
    private static final System.Logger LOG = System.getLogger("kelpie.timers");

    private final Scheduler scheduler;
    private final java.util.function.Supplier<ActorRuntime> runtime;
    private final TimerSettings settings;
    private final Map<ActorId, Map<String, Timer>> byActor = new HashMap<>();
    private int total;

    TimerTable(Scheduler scheduler, java.util.function.Supplier<ActorRuntime> runtime, TimerSettings settings) {
        this.scheduler = scheduler;
        this.runtime = runtime;
        this.settings = settings;
    }

    /** One timer; {@code removed} is set (under the table's lock) when it is cancelled or replaced. */
    private static final class Timer {
        final ScheduleRequest request;
        Scheduler.Cancellable pending;
        boolean removed;

        Timer(ScheduleRequest request) {
            this.request = request;
        }
    }

    synchronized void set(ScheduleRequest r) {
        Map<String, Timer> timers = byActor.get(r.actor());
        Timer old = timers == null ? null : timers.get(r.name());
        if (old == null) {
            int count = timers == null ? 0 : timers.size();
            if (count >= settings.maxTimersPerActor()) {
                throw new ScheduleRejectedException(r.describe() + " refused: the actor has " + count
                        + " timers, the limit per actor (max_timers_per_actor)");
            }
            if (total >= settings.maxTimers()) {
                throw new ScheduleRejectedException(r.describe() + " refused: " + total
                        + " timers are set, the limit of all actors together (max_timers)");
            }
        } else {
            remove(old);
        }
        Timer t = new Timer(r);
        byActor.computeIfAbsent(r.actor(), k -> new HashMap<>()).put(r.name(), t);
        total++;
        t.pending = scheduler.schedule(() -> fire(t), r.delayMillis());
    }

    synchronized boolean cancel(ActorId actor, String name) {
        Map<String, Timer> timers = byActor.get(actor);
        Timer t = timers == null ? null : timers.get(name);
        if (t == null) {
            return false;
        }
        remove(t);
        return true;
    }

    synchronized List<String> names(ActorId actor) {
        Map<String, Timer> timers = byActor.get(actor);
        List<String> names = new ArrayList<>(timers == null ? List.of() : timers.keySet());
        names.sort(null);
        return names;
    }

    synchronized int total() {
        return total;
    }

    /** The actor is no longer active: its timers end. */
    synchronized void passivated(ActorId actor) {
        Map<String, Timer> timers = byActor.get(actor);
        if (timers != null) {
            for (Timer t : new ArrayList<>(timers.values())) {
                remove(t);
            }
        }
    }

    synchronized void clear() {
        for (Map<String, Timer> timers : new ArrayList<>(byActor.values())) {
            for (Timer t : new ArrayList<>(timers.values())) {
                remove(t);
            }
        }
    }

    private void remove(Timer t) {
        t.removed = true;
        if (t.pending != null) {
            t.pending.cancel();
        }
        Map<String, Timer> timers = byActor.get(t.request.actor());
        if (timers != null && timers.remove(t.request.name(), t)) {
            total--;
            if (timers.isEmpty()) {
                byActor.remove(t.request.actor());
            }
        }
    }

    private void fire(Timer t) {
        synchronized (this) {
            if (t.removed) {
                return;
            }
            t.pending = null;
        }
        ScheduleRequest r = t.request;
        runtime.get().ref(r.actor()).invoke(r.operation(), r.payload())
                .whenComplete((response, failure) -> scheduler.schedule(() -> fired(t, failure), 0));
    }

    private synchronized void fired(Timer t, Throwable failure) {
        if (t.removed) {
            return;
        }
        ScheduleRequest r = t.request;
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause != null) {
            LOG.log(System.Logger.Level.DEBUG, () -> r.describe() + ": its message failed: " + cause.getMessage());
        }
        if (r.periodMillis() == 0 || ends(cause)) {
            remove(t);
            return;
        }
        t.pending = scheduler.schedule(() -> fire(t), r.periodMillis());
    }

    /** A failure after which a periodic timer stops: the type or the runtime is gone. */
    private static boolean ends(Throwable cause) {
        return cause instanceof ActorInvocationException e
                && (e.reason() == Reason.UNKNOWN_TYPE || e.reason() == Reason.SHUT_DOWN);
    }
}
