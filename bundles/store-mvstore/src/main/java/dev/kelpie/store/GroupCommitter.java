package dev.kelpie.store;

import dev.kelpie.api.actor.ActorId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: turns hand their changes in with {@link #submit}, and one committer thread writes all
 * changes handed in since its last write with one {@link Writer#write} (one {@code MVStore.commit()}).
 *
 * <ul>
 *   <li><b>Visibility.</b> Until written, a turn's changes are kept in an overlay that reads consult
 *       first ({@link #pending}, {@link #pendingRange}), so an actor's next turn sees them at once. The
 *       committer removes a change from the overlay only after the commit that holds it, and only if no
 *       later change of the key replaced it meanwhile.</li>
 *   <li><b>Whole turns.</b> Only the committer thread changes the store's map, and it takes the queue
 *       under the same lock that {@link #submit} holds while it queues a turn: every write holds whole
 *       turns, in the order they were submitted.</li>
 *   <li><b>Acknowledgement.</b> The future of a group completes after the write (and the fsync, if
 *       due) of that group; groups complete in order, so an actor's commits are acknowledged in order.</li>
 *   <li><b>Failure is final.</b> A write that fails fails its group and every group queued behind it,
 *       and the store refuses everything after it ({@link #failure}): turns queued or running may have
 *       read the lost changes, so nothing may be built on them.</li>
 *   <li><b>Linger.</b> When the last write held at least {@value #BUSY_TURNS} turns (the store is busy), the
 *       committer waits before taking the next group for as long as turns keep arriving: slice by slice
 *       ({@code lingerSliceNanos}), until a slice passes without a new turn, at most {@code lingerNanos}
 *       in all, and never while the queue is over half its byte limit or a turn waits for room. Bigger
 *       groups mean fewer {@code MVStore.commit()}s (each costs about as much as a hundred turns' puts),
 *       and the parked committer leaves the CPU to the workers that produce the turns. A lone turn after
 *       a quiet spell never waits: it is written at once.</li>
 *   <li><b>Bounds.</b> A group's future fails once it has waited {@code commitTimeout} (the changes may
 *       still reach the file); {@link #submit} waits at most that long for room when more than
 *       {@code maxPendingBytes} wait to be written; {@link #close} waits at most that long for the
 *       committer to write what is queued.</li>
 * </ul>
 */
final class GroupCommitter {
    /** What the committer calls; runs on the committer thread only. */
    interface Writer {
        /**
         * Applies the changes (at most one per key: the newest of the group) and makes them durable with one
         * commit, or throws.
         */
        void write(List<StateKeys.Change> changes);

        /** Called when no commit came for a while; may fsync what is written but not yet synced. */
        void idle();

        /** Called once the committer gave up after a failure: close the store, refusing everything. */
        void failed(RuntimeException failure);
    }

    /** Points where a test can hold or break the committer (package-private; production has none). */
    interface Hook {
        /** Before a group is written; may block, or throw to make the write fail. */
        void beforeWrite(List<StateKeys.Change> changes);

        /**
         * Before each linger slice, without the lock, with the turns queued so far; may submit turns (they
         * count as arrivals during that slice).
         */
        default void beforeLingerSlice(int queuedTurns) {}
    }

    /** A write of at least this many turns marks the store busy: the next group may linger. */
    static final int BUSY_TURNS = 8;
    /** How long one linger slice waits for new turns, at most. */
    static final long DEFAULT_LINGER_SLICE_NANOS = 100_000;

    private final String file;
    private final Writer writer;
    private final long commitTimeoutNanos;
    private final long maxPendingBytes;
    private final long idleNanos;
    private final long lingerNanos;
    private final long lingerSliceNanos;
    private final ConcurrentSkipListMap<String, StateKeys.Change> overlay = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final Thread thread;
    volatile Hook hookForTests;

    /** Turns of the last write (committer thread only). */
    private int lastWriteTurns;

    // under lock
    private ArrayList<StateKeys.Change> pending = new ArrayList<>();
    /** The groups of {@link #pending}: one, unless a group timed out while it waited and a new one began. */
    private ArrayList<Group> pendingGroups = new ArrayList<>();
    private long pendingBytes;
    /** Turns in {@link #pending}. */
    private int pendingTurns;
    private boolean closing;
    private volatile RuntimeException failure;

    /** The turns of one write: their future, and their actors for messages. */
    private static final class Group {
        final CompletableFuture<Void> written = new CompletableFuture<>();
        final CompletableFuture<Void> acknowledged;
        final Set<ActorId> actors = new LinkedHashSet<>();
        int turns;

        Group(long timeoutNanos, String file) {
            written.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
            this.acknowledged = written.exceptionally(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof TimeoutException) {
                    throw new IllegalStateException("the state commit of actor(s) " + describe(actors) + " to " + file
                            + " did not finish within commit_timeout_ms (" + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                            + " ms); the turn is not acknowledged (its changes may still reach the file)", cause);
                }
                throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause.toString(), cause);
            });
        }
    }

    /**
     * Starts the committer thread.
     *
     * @param idleNanos when positive, {@link Writer#idle} is called after this long without a commit
     * @param lingerNanos how long a busy committer waits at most for more turns to join a group; 0 never
     */
    GroupCommitter(String file, Writer writer, long commitTimeoutNanos, long maxPendingBytes, long idleNanos,
            long lingerNanos) {
        this(file, writer, commitTimeoutNanos, maxPendingBytes, idleNanos, lingerNanos, DEFAULT_LINGER_SLICE_NANOS);
    }

    /** As above, with the length of a linger slice (tests make it long, to control arrivals). */
    GroupCommitter(String file, Writer writer, long commitTimeoutNanos, long maxPendingBytes, long idleNanos,
            long lingerNanos, long lingerSliceNanos) {
        this.lingerNanos = Math.max(0, lingerNanos);
        this.lingerSliceNanos = Math.max(1, lingerSliceNanos);
        this.file = file;
        this.writer = writer;
        this.commitTimeoutNanos = commitTimeoutNanos;
        this.maxPendingBytes = maxPendingBytes;
        this.idleNanos = idleNanos;
        this.thread = new Thread(this::run, "kelpie-state-commit");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues one turn's changes (already checked) and returns the future of the group that will hold
     * them; the changes are visible to {@link #pending} before this returns.
     */
    CompletableFuture<Void> submit(ActorId actor, List<StateKeys.Change> changes) {
        long bytes = 0;
        for (StateKeys.Change c : changes) {
            bytes += 2L * c.storageKey().length() + (c.value() == null ? 0 : c.value().length);
        }
        lock.lock();
        try {
            if (!waitForRoom(actor, bytes)) {
                return CompletableFuture.failedFuture(new IllegalStateException("cannot commit the state of actor "
                        + actor + " to " + file + ": " + pendingBytes + " bytes of earlier turns still wait to be written, "
                        + "over max_pending_commit_bytes (" + maxPendingBytes + "), and the committer did not catch up "
                        + "within commit_timeout_ms (" + TimeUnit.NANOSECONDS.toMillis(commitTimeoutNanos) + " ms)"));
            }
            RuntimeException refused = refusal(actor);
            if (refused != null) {
                return CompletableFuture.failedFuture(refused);
            }
            for (StateKeys.Change c : changes) {
                overlay.put(c.storageKey(), c);
                pending.add(c);
            }
            pendingBytes += bytes;
            pendingTurns++;
            Group g = pendingGroups.isEmpty() ? null : pendingGroups.get(pendingGroups.size() - 1);
            if (g == null || g.written.isDone()) {
                // a group that timed out waiting has failed its turns; later turns get a future of their own
                if (g == null) {
                    work.signal();
                }
                g = new Group(commitTimeoutNanos, file);
                pendingGroups.add(g);
            }
            g.turns++;
            g.actors.add(actor);
            return g.acknowledged;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock, on the committer: waits while turns keep arriving (see the class comment). Submits do
     * not signal while a group is queued, so a slice ends by its timeout (or by {@link #close}).
     */
    private void linger() throws InterruptedException {
        long deadline = System.nanoTime() + lingerNanos;
        while (!closing && failure == null && pendingBytes <= maxPendingBytes / 2 && !lock.hasWaiters(room)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            int before = pendingTurns;
            Hook h = hookForTests;
            if (h != null) {
                lock.unlock();
                try {
                    h.beforeLingerSlice(before);
                } finally {
                    lock.lock();
                }
                if (closing || failure != null) {
                    return; // closed while the hook ran without the lock: its signal came before this wait
                }
            }
            work.awaitNanos(Math.min(left, lingerSliceNanos));
            if (pendingTurns == before) {
                return; // a slice without a new turn: the burst is over, write now
            }
        }
    }

    /** Under the lock: waits, bounded, while the queue is over its size limit. False when it stayed over. */
    private boolean waitForRoom(ActorId actor, long bytes) {
        if (pendingBytes == 0 || pendingBytes + bytes <= maxPendingBytes) {
            return true;
        }
        long remaining = commitTimeoutNanos;
        boolean interrupted = false;
        try {
            while (pendingBytes > 0 && pendingBytes + bytes > maxPendingBytes && failure == null && !closing) {
                if (remaining <= 0) {
                    return false;
                }
                try {
                    remaining = room.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true; // the turn timed out meanwhile; its caller sees the interrupt again
                    return false;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Under the lock: why a commit cannot be queued now, or null. */
    private RuntimeException refusal(ActorId actor) {
        RuntimeException f = failure;
        if (f != null) {
            return new IllegalStateException("cannot commit the state of actor " + actor + ": " + f.getMessage(), f);
        }
        if (closing) {
            return new IllegalStateException("cannot commit the state of actor " + actor + ": the state store " + file
                    + " is closed");
        }
        return null;
    }

    /** The newest change of a stored key not yet written, or null. */
    StateKeys.Change pending(String storageKey) {
        return overlay.get(storageKey);
    }

    /** The changes not yet written of the stored keys that start with {@code from}. */
    NavigableMap<String, StateKeys.Change> pendingRange(String from) {
        return overlay.subMap(from, true, from + Character.MAX_VALUE, false);
    }

    /** Whether any change waits in the overlay (a quick test for reads). */
    boolean hasPending() {
        return !overlay.isEmpty();
    }

    /** The failure that stopped the committer, or null while it works. */
    RuntimeException failure() {
        return failure;
    }

    private void run() {
        try {
            while (true) {
                ArrayList<StateKeys.Change> batch;
                ArrayList<Group> groups;
                lock.lock();
                try {
                    long idle = idleNanos;
                    while (pending.isEmpty() && !closing && failure == null) {
                        if (idleNanos > 0) {
                            idle = work.awaitNanos(idle);
                            if (idle <= 0 && pending.isEmpty() && !closing) {
                                lock.unlock();
                                try {
                                    writer.idle();
                                } finally {
                                    lock.lock();
                                }
                                idle = Long.MAX_VALUE; // until the next commit
                            }
                        } else {
                            work.await();
                        }
                    }
                    if (pending.isEmpty() || failure != null) {
                        return; // closing with nothing left, or failed
                    }
                    if (lingerNanos > 0 && lastWriteTurns >= BUSY_TURNS) {
                        linger();
                    }
                    if (failure != null) {
                        return;
                    }
                    batch = pending;
                    groups = pendingGroups;
                    lastWriteTurns = pendingTurns;
                    pending = new ArrayList<>();
                    pendingGroups = new ArrayList<>(1);
                    pendingBytes = 0;
                    pendingTurns = 0;
                    room.signalAll();
                } finally {
                    lock.unlock();
                }
                // one commit holds the whole group, so only each key's newest change needs applying; an
                // older one is not in the overlay any more either (the newer replaced it there)
                List<StateKeys.Change> newest;
                try {
                    Hook h = hookForTests;
                    if (h != null) {
                        h.beforeWrite(batch);
                    }
                    newest = StateKeys.newestPerKey(batch);
                    writer.write(newest);
                } catch (RuntimeException | Error e) {
                    fail(groups, e);
                    return;
                }
                for (StateKeys.Change c : newest) {
                    overlay.remove(c.storageKey(), c);
                }
                for (Group g : groups) {
                    g.written.complete(null);
                }
            }
        } catch (InterruptedException e) {
            fail(List.of(), new IllegalStateException("the committer thread was interrupted", e));
        } catch (RuntimeException | Error e) {
            fail(List.of(), e); // whatever broke the loop: fail what waits rather than let it hang
        }
    }

    /**
     * Stops for good after a failure: fails the group that failed and every turn queued behind it, and
     * closes the store. Called by the committer thread, or by {@link #close} when it hung.
     */
    private void fail(List<Group> failedGroups, Throwable cause) {
        IllegalStateException f;
        List<Group> queued;
        lock.lock();
        try {
            int turns = 0;
            Set<ActorId> actors = new LinkedHashSet<>();
            for (Group g : failedGroups) {
                turns += g.turns;
                actors.addAll(g.actors);
            }
            String which = failedGroups.isEmpty() ? "" : " of " + turns + " turn(s) of actor(s) " + describe(actors);
            f = new IllegalStateException("a state commit" + which + " to " + file + " failed, so the store is closed "
                    + "(turns acknowledged before are in the file; the store reopens on restart): "
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
            if (failure == null) {
                failure = f;
            }
            queued = pendingGroups;
            pending = new ArrayList<>();
            pendingGroups = new ArrayList<>(1);
            pendingBytes = 0;
            pendingTurns = 0;
            overlay.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.failed(f);
        } catch (RuntimeException | Error ignored) {
            // the store is being closed after a failure; that failure is what gets reported
        }
        for (Group g : failedGroups) {
            g.written.completeExceptionally(f);
        }
        for (Group queuedGroup : queued) {
            queuedGroup.written.completeExceptionally(new IllegalStateException("not committed: an earlier state commit to "
                    + file + " failed and the store is closed; the turns of actor(s) " + describe(queuedGroup.actors)
                    + " queued behind it may have read its changes: " + f.getMessage(), f));
        }
    }

    /**
     * Writes what is queued, then stops the committer: waits at most the commit timeout for it. If it
     * does not stop in time (a write hangs), every turn still queued fails and the store is closed.
     *
     * @return false when the committer did not stop in time (then the store was closed by {@link #fail})
     */
    boolean close() {
        lock.lock();
        try {
            closing = true;
            work.signalAll();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return true; // a dependent of a commit closes the store: the loop fails what is still queued
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + commitTimeoutNanos;
        while (thread.isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            fail(List.of(), new IllegalStateException("the store was closed while a commit was still being written after "
                    + "commit_timeout_ms (" + TimeUnit.NANOSECONDS.toMillis(commitTimeoutNanos) + " ms)"));
            return false;
        }
        return true;
    }

    /** Up to five actors, and how many more. */
    static String describe(Set<ActorId> actors) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (ActorId a : actors) {
            if (n == 5) {
                return b.append(" and ").append(actors.size() - 5).append(" more").toString();
            }
            b.append(n++ == 0 ? "" : ", ").append(a);
        }
        return b.toString();
    }

    /** Changes of the overlay for tests. */
    Map<String, StateKeys.Change> overlayForTests() {
        return overlay;
    }
}
