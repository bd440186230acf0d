package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.timers.Reminder;
import dev.kelpie.timers.ScheduleRejectedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;

/**
 * Durable reminders: every change is committed to the state store before it takes effect in memory, and
 * {@link #load} schedules what the store holds (after a restart). A one-shot reminder is deleted from the store
 * only after the actor handled its message: at least once. Deliveries refused for a passing reason (the type is
 * not deployed, the mailbox is full, the runtime is shutting down, activation failed, a resource limit, the
 * cluster member that owns the actor is unavailable) are
 * retried with a doubling delay, up to the configured maximum; any other outcome counts as delivered. All state
 * is guarded by {@code this}; sending and the actors' turns happen outside the lock.
 */
final class ReminderTable {
    private static final System.Logger LOG = System.getLogger("kelpie.reminders");
    /** Outcomes after which the message is sent again later. */
    static final Set<Reason> RETRIED = EnumSet.of(Reason.UNKNOWN_TYPE, Reason.MAILBOX_FULL, Reason.SHUT_DOWN,
            Reason.ACTIVATION_FAILED, Reason.RESOURCE_EXHAUSTED, Reason.UNAVAILABLE);

    private final Scheduler scheduler;
    private final java.util.function.Supplier<ActorRuntime> runtime;
    private final StateStore store;
    private final TimerSettings settings;
    private final Map<ActorId, Map<String, Entry>> byActor = new HashMap<>();
    private int total;
    private boolean closed;

    ReminderTable(Scheduler scheduler, java.util.function.Supplier<ActorRuntime> runtime, StateStore store, TimerSettings settings) {
        this.scheduler = scheduler;
        this.runtime = runtime;
        this.store = store;
        this.settings = settings;
    }

    /** One reminder in memory; {@code removed} is set when it is cancelled, replaced or done. */
    private static final class Entry {
        final ScheduleRequest request;
        long dueMillis;
        int failures;
        Scheduler.Cancellable pending;
        boolean removed;

        Entry(ScheduleRequest request, long dueMillis) {
            this.request = request;
            this.dueMillis = dueMillis;
        }

        Reminder describe() {
            ScheduleRequest r = request;
            return new Reminder(r.actor(), r.name(), r.operation(), Instant.ofEpochMilli(dueMillis),
                    Duration.ofMillis(r.periodMillis()), r.payload(), failures);
        }
    }

    /** Schedules every reminder in the store; returns how many. Entries it cannot read are logged and left. */
    synchronized int load() {
        int loaded = 0;
        for (String key : store.keys(StoredReminder.STORE_ACTOR, "")) {
            Object[] actorAndName = StoredReminder.parseKey(key);
            byte[] raw = store.get(StoredReminder.STORE_ACTOR, key);
            StoredReminder.Value v = raw == null ? null : StoredReminder.decode(raw);
            if (actorAndName == null || v == null) {
                LOG.log(System.Logger.Level.WARNING, "stored reminder '" + key + "' is not readable; it is ignored");
                continue;
            }
            ActorId actor = (ActorId) actorAndName[0];
            String name = (String) actorAndName[1];
            ScheduleRequest r = new ScheduleRequest("reminder", actor, name, v.operation(), 0, v.periodMillis(), v.payload());
            Entry e = new Entry(r, v.dueMillis());
            Entry old = byActor.computeIfAbsent(actor, k -> new HashMap<>()).put(name, e);
            if (old != null) {
                old.removed = true;
                if (old.pending != null) {
                    old.pending.cancel();
                }
            } else {
                total++;
            }
            e.pending = scheduler.schedule(() -> fire(e), v.dueMillis() - scheduler.nowMillis());
            loaded++;
        }
        return loaded;
    }

    synchronized void set(ScheduleRequest r) {
        Map<String, Entry> reminders = byActor.get(r.actor());
        Entry old = reminders == null ? null : reminders.get(r.name());
        if (old == null) {
            int count = reminders == null ? 0 : reminders.size();
            if (count >= settings.maxRemindersPerActor()) {
                throw new ScheduleRejectedException(r.describe() + " refused: the actor has " + count
                        + " reminders, the limit per actor (max_reminders_per_actor)");
            }
            if (total >= settings.maxReminders()) {
                throw new ScheduleRejectedException(r.describe() + " refused: " + total
                        + " reminders are stored, the limit of all actors together (max_reminders)");
            }
        }
        long due = scheduler.nowMillis() + r.delayMillis();
        write(r, StoredReminder.encode(r.operation(), due, r.periodMillis(), r.payload()));
        if (old != null) {
            forget(old);
        }
        Entry e = new Entry(r, due);
        byActor.computeIfAbsent(r.actor(), k -> new HashMap<>()).put(r.name(), e);
        total++;
        e.pending = scheduler.schedule(() -> fire(e), r.delayMillis());
    }

    synchronized boolean cancel(ActorId actor, String name) {
        Map<String, Entry> reminders = byActor.get(actor);
        Entry e = reminders == null ? null : reminders.get(name);
        if (e == null) {
            return false;
        }
        write(e.request, null);
        forget(e);
        return true;
    }

    synchronized List<Reminder> list(ActorId actor) {
        Map<String, Entry> reminders = byActor.get(actor);
        List<Reminder> list = new ArrayList<>();
        if (reminders != null) {
            new TreeMap<>(reminders).values().forEach(e -> list.add(e.describe()));
        }
        return list;
    }

    synchronized List<Reminder> list() {
        List<Reminder> list = new ArrayList<>();
        byActor.values().forEach(m -> m.values().forEach(e -> list.add(e.describe())));
        list.sort(Comparator.comparing(Reminder::actor).thenComparing(Reminder::name));
        return list;
    }

    synchronized int total() {
        return total;
    }

    /** Stops firing (the store keeps every reminder for the next start). */
    synchronized void close() {
        closed = true;
        for (Map<String, Entry> reminders : byActor.values()) {
            for (Entry e : reminders.values()) {
                e.removed = true;
                if (e.pending != null) {
                    e.pending.cancel();
                }
            }
        }
        byActor.clear();
        total = 0;
    }

    private void write(ScheduleRequest r, byte[] value) {
        Map<String, byte[]> change = new HashMap<>();
        change.put(StoredReminder.key(r.actor(), r.name()), value);
        try {
            store.commit(StoredReminder.STORE_ACTOR, change);
        } catch (RuntimeException e) {
            throw new ScheduleRejectedException(r.describe() + ": the state store failed to "
                    + (value == null ? "delete" : "store") + " it: " + e.getMessage(), e);
        }
    }

    /** Drops the entry from memory (not from the store). */
    private void forget(Entry e) {
        e.removed = true;
        if (e.pending != null) {
            e.pending.cancel();
        }
        Map<String, Entry> reminders = byActor.get(e.request.actor());
        if (reminders != null && reminders.remove(e.request.name(), e)) {
            total--;
            if (reminders.isEmpty()) {
                byActor.remove(e.request.actor());
            }
        }
    }

    private void fire(Entry e) {
        synchronized (this) {
            if (e.removed || closed) {
                return;
            }
            e.pending = null;
        }
        ScheduleRequest r = e.request;
        runtime.get().ref(r.actor()).invoke(r.operation(), r.payload())
                .whenComplete((response, failure) -> scheduler.schedule(() -> fired(e, failure), 0));
    }

    private synchronized void fired(Entry e, Throwable failure) {
        if (e.removed || closed) {
            return; // cancelled or replaced meanwhile: the new one has its own schedule
        }
        ScheduleRequest r = e.request;
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ActorInvocationException x && RETRIED.contains(x.reason())) {
            e.failures++;
            long delay = Math.min(settings.maxRetryDelay().toMillis(),
                    settings.retryDelay().toMillis() << Math.min(e.failures - 1, 20));
            LOG.log(System.Logger.Level.INFO, () -> r.describe() + " not delivered (" + x.reason() + "), attempt "
                    + e.failures + "; retried in " + delay + " ms: " + x.getMessage());
            e.pending = scheduler.schedule(() -> fire(e), delay);
            return;
        }
        if (cause != null) {
            LOG.log(System.Logger.Level.WARNING, r.describe() + " was delivered and its operation failed: " + cause.getMessage());
        }
        e.failures = 0;
        try {
            if (r.periodMillis() == 0) {
                write(r, null);
                forget(e);
                return;
            }
            long now = scheduler.nowMillis();
            long next = e.dueMillis + r.periodMillis();
            if (next <= now) {
                next = now + r.periodMillis(); // missed periods (downtime, a slow actor) are not made up
            }
            write(r, StoredReminder.encode(r.operation(), next, r.periodMillis(), r.payload()));
            e.dueMillis = next;
            e.pending = scheduler.schedule(() -> fire(e), next - now);
        } catch (ScheduleRejectedException storeFailed) {
            LOG.log(System.Logger.Level.ERROR, storeFailed.getMessage() + "; trying again in "
                    + settings.maxRetryDelay().toMillis() + " ms");
            e.pending = scheduler.schedule(() -> fired(e, null), settings.maxRetryDelay().toMillis());
        }
    }
}
