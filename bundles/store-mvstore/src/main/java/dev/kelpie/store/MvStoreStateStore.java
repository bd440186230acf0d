package dev.kelpie.store;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The embedded durable state store: one H2 MVStore file, {@code <data_dir>/kelpie-state.mv.db}, holding
 * one sorted map of all actors' state (layout in {@link StateKeys}).
 *
 * <h2>Atomicity and durability: group commit</h2>
 * The store is opened with auto-commit off (no background writer, and no write triggered by the amount
 * of unsaved changes), so nothing reaches the file except through an explicit {@link MVStore#commit()}.
 * {@link #commitAsync} queues a turn's changes with the {@link GroupCommitter}; its one committer thread
 * applies everything queued since its last write to the map, in order, and writes it with one
 * {@code MVStore.commit()}: the turns of one actor's batch and of other actors on other workers share
 * one commit, and each MVStore commit holds whole turns only. Until then the changes are visible to the
 * actor's reads through the committer's overlay. MVStore writes a commit as one chunk with checksums and
 * on open recovers to the newest complete chunk, so a turn is in the file entirely or not at all.
 *
 * <p>When the future of {@link #commitAsync} completes (or {@link #commit} returns), the chunk holding the
 * turn has been written with {@code FileChannel.write}: it is in the operating system's page cache and
 * survives the death of this process by any means (SIGKILL, the OOM killer, a JVM crash). That is the
 * {@link StateStore} contract, and it needs no fsync. A failed write fails its turns and every turn queued
 * after them and closes the store (see {@link GroupCommitter}); a commit not written within
 * {@code commit_timeout_ms} fails its turns without closing the store.
 *
 * <p>Power loss or a kernel crash is another matter. The file is fsynced at most every
 * {@code sync_interval_ms} (default {@value #DEFAULT_SYNC_INTERVAL_MS} ms) on the commit path, and the
 * space of a superseded chunk is reused only once the chunk that superseded it has been fsynced (the
 * store pins the MVStore version of the last fsync; MVStore's own time-based retention is turned off,
 * it lets the file grow by hundreds of MB under a steady stream of small commits). So after a power
 * loss the file recovers to a consistent turn boundary no older than the last fsync: the commits of
 * the last interval before it may be lost, and when commits stop, the last ones wait for the next
 * commit or the OS's own writeback (about 30 s on Linux) to reach the disk. With
 * {@code sync_interval_ms = 0} every commit is fsynced before it returns and survives power loss too,
 * on hardware that honours fsync, at the cost of one fsync per group commit. With an interval, the
 * committer also fsyncs when no commit has come for one interval, so the last commits before a pause
 * reach the disk within about one interval too.
 *
 * <h2>Interrupts</h2>
 * The runtime interrupts a turn that runs past its timeout, and that turn may be reading or committing
 * state at that moment. The file is accessed through an {@link InterruptSafeFileStore}, whose channel an
 * interrupt cannot close: the interrupted thread's read or commit completes normally, keeps its interrupt
 * flag set, and the store stays open for every other actor. (With the JDK's file channels one such
 * interrupt would close the file and fail every later operation until a restart.)
 *
 * <p>Reads take no lock. A read of an actor while a commit of that same actor is being applied may see
 * part of it (or a change that a failing commit then takes back); the runtime never does that, because an
 * actor's turns and their reads are serial.
 *
 * <p>The ConfigAdmin properties are {@code data_dir}, {@code sync_interval_ms}, {@code commit_timeout_ms}
 * {@code max_pending_commit_bytes} and {@code group_commit_linger_us} (the double underscores in {@link Config} are how DS spells one
 * underscore; a single one would become a dot).
 */
@Component(service = StateStore.class, configurationPid = MvStoreStateStore.PID,
        property = StateStore.NAME + "=" + MvStoreStateStore.STORE_NAME)
@Designate(ocd = MvStoreStateStore.Config.class)
public final class MvStoreStateStore implements StateStore, AutoCloseable {
    public static final String PID = "dev.kelpie.store.mvstore";
    public static final String STORE_NAME = "mvstore";
    public static final String FILE_NAME = "kelpie-state.mv.db";
    /** System property giving the base directory of relative data directories. */
    public static final String HOME_PROPERTY = "kelpie.home";
    static final String MAP_NAME = "kelpie.state";
    /**
     * Every this many commits, chunks that are mostly dead are rewritten (the housekeeping MVStore's
     * background thread would do, which is off here).
     */
    private static final int COMPACT_EVERY_COMMITS = 1024;
    private static final int COMPACT_TARGET_FILL_RATE = 50;
    private static final int COMPACT_WRITE_BYTES = 1 << 20;
    public static final long DEFAULT_SYNC_INTERVAL_MS = 100;
    public static final long DEFAULT_COMMIT_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_MAX_PENDING_COMMIT_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_GROUP_COMMIT_LINGER_US = 1_000;
    /** The largest linger accepted: a second (a turn's reply waits for it). */
    public static final long MAX_GROUP_COMMIT_LINGER_US = 1_000_000;

    /** ConfigAdmin configuration of the store: properties {@code data_dir} and {@code sync_interval_ms}. */
    @ObjectClassDefinition(name = "Kelpie state store (H2 MVStore)",
            description = "Where the embedded durable state store keeps its file")
    public @interface Config {
        @AttributeDefinition(name = "Data directory", description = "Directory of the store file kelpie-state.mv.db; a relative path is "
                + "resolved against the system property kelpie.home, or the working directory without it")
        String data__dir() default "data";

        @AttributeDefinition(name = "Sync interval (ms)", description = "fsync the file at most this often on the commit path, in ms; "
                + "0 fsyncs every commit so committed turns also survive a power loss (slower). Committed turns "
                + "survive any crash of the process either way")
        long sync__interval__ms() default DEFAULT_SYNC_INTERVAL_MS;

        @AttributeDefinition(name = "Commit timeout (ms)", description = "A turn's reply fails when the group commit "
                + "holding its state changes has not been written within this many ms (a hanging disk); also how "
                + "long a commit waits for room in a full commit queue, and how long closing waits for the queue")
        long commit__timeout__ms() default DEFAULT_COMMIT_TIMEOUT_MS;

        @AttributeDefinition(name = "Max pending commit bytes", description = "State changes (keys and values) "
                + "waiting for the next group commit beyond which a turn's commit waits for the committer to catch up")
        long max__pending__commit__bytes() default DEFAULT_MAX_PENDING_COMMIT_BYTES;

        @AttributeDefinition(name = "Group commit linger (µs)", description = "When the last group commit held "
                + "8 turns or more (the store is busy), the committer waits up to this many µs for more turns to "
                + "join the next commit, for as long as they keep arriving (it writes as soon as 100 µs pass "
                + "without one): fewer, bigger commits under load. A lone turn is written at once; 0 never waits")
        long group__commit__linger__us() default DEFAULT_GROUP_COMMIT_LINGER_US;
    }

    private final Path file;
    private final long syncIntervalNanos;
    private final long commitTimeoutNanos;
    /** Writes the queued turns; created last in the constructor. */
    private final GroupCommitter committer;
    private final ReentrantLock lock = new ReentrantLock();
    private final MVStore store;
    private final MVMap<String, byte[]> map;
    private volatile boolean closed;
    private long commitsSinceCompaction;
    /** Version usage held at the version of the last fsync, so chunks superseded after it stay intact. */
    private MVStore.TxCounter durablePin;
    private long lastSyncNanos;
    /** Whether a commit was written since the last fsync. Under the lock. */
    private boolean unsynced;

    @Activate
    public MvStoreStateStore(Config config) {
        this(resolveDataDir(config.data__dir()), config.sync__interval__ms(), config.commit__timeout__ms(),
                config.max__pending__commit__bytes(), config.group__commit__linger__us());
    }

    /** Opens (creating if needed) the store in the directory, fsyncing at most every 100 ms. */
    public MvStoreStateStore(Path dataDir) {
        this(dataDir, DEFAULT_SYNC_INTERVAL_MS);
    }

    /**
     * Opens (creating if needed) the store in the directory.
     *
     * @param syncIntervalMillis fsync at most this often, 0 for every commit (see the class comment)
     * @throws IllegalStateException naming the path and the cause when the directory cannot be created or
     *     the file cannot be opened: unreadable, corrupt, read-only, or locked by another open store
     */
    public MvStoreStateStore(Path dataDir, long syncIntervalMillis) {
        this(dataDir, syncIntervalMillis, DEFAULT_COMMIT_TIMEOUT_MS, DEFAULT_MAX_PENDING_COMMIT_BYTES);
    }

    /**
     * Opens (creating if needed) the store in the directory.
     *
     * @param syncIntervalMillis fsync at most this often, 0 for every commit (see the class comment)
     * @param commitTimeoutMillis how long a turn waits for the commit that holds it, at least 1
     * @param maxPendingCommitBytes changes waiting for the committer beyond which commits wait, at least 1
     */
    public MvStoreStateStore(Path dataDir, long syncIntervalMillis, long commitTimeoutMillis, long maxPendingCommitBytes) {
        this(dataDir, syncIntervalMillis, commitTimeoutMillis, maxPendingCommitBytes, DEFAULT_GROUP_COMMIT_LINGER_US);
    }

    /**
     * Opens (creating if needed) the store in the directory.
     *
     * @param syncIntervalMillis fsync at most this often, 0 for every commit (see the class comment)
     * @param commitTimeoutMillis how long a turn waits for the commit that holds it, at least 1
     * @param maxPendingCommitBytes changes waiting for the committer beyond which commits wait, at least 1
     * @param groupCommitLingerMicros how long a busy committer waits at most for more turns to join a
     *     commit, 0 to 1,000,000 (0: never; see {@link GroupCommitter})
     */
    public MvStoreStateStore(Path dataDir, long syncIntervalMillis, long commitTimeoutMillis, long maxPendingCommitBytes,
            long groupCommitLingerMicros) {
        if (groupCommitLingerMicros < 0 || groupCommitLingerMicros > MAX_GROUP_COMMIT_LINGER_US) {
            throw new IllegalArgumentException("group_commit_linger_us is " + groupCommitLingerMicros + "; it must be 0 to "
                    + MAX_GROUP_COMMIT_LINGER_US);
        }
        if (commitTimeoutMillis < 1) {
            throw new IllegalArgumentException("commit_timeout_ms is " + commitTimeoutMillis + "; it must be 1 or more");
        }
        if (maxPendingCommitBytes < 1) {
            throw new IllegalArgumentException("max_pending_commit_bytes is " + maxPendingCommitBytes
                    + "; it must be 1 or more");
        }
        this.commitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(commitTimeoutMillis);
        if (dataDir == null) {
            throw new IllegalArgumentException("no data directory given for the state store");
        }
        if (syncIntervalMillis < 0) {
            throw new IllegalArgumentException("sync_interval_ms is " + syncIntervalMillis + "; it must be 0 or more");
        }
        Path dir = dataDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new IllegalStateException("cannot create the state store directory " + dir + ": " + e, e);
        }
        this.file = dir.resolve(FILE_NAME);
        this.syncIntervalNanos = syncIntervalMillis * 1_000_000L;
        if (Files.exists(file) && !Files.isWritable(file)) {
            // MVStore would silently open it read-only and only fail on the first commit
            throw new IllegalStateException("cannot open the state store " + file + ": the file is not writable");
        }
        MVStore opened = null;
        MVMap<String, byte[]> stateMap;
        InterruptSafeFileStore fileStore = new InterruptSafeFileStore();
        try {
            // an interrupted actor turn must not close the file for everyone (see InterruptSafeFileStore)
            fileStore.open(file.toString(), false, null);
            opened = new MVStore.Builder()
                    .adoptFileStore(fileStore)
                    // no background commits (delay 0) and none triggered by unsaved memory (buffer 0):
                    // in 2.x autoCommitDisabled() alone leaves the latter on, which could write half a turn
                    .autoCommitDisabled()
                    .autoCommitBufferSize(0)
                    .open();
            stateMap = opened.openMap(MAP_NAME, new MVMap.Builder<String, byte[]>()
                    .keyType(StringDataType.INSTANCE)
                    .valueType(ByteArrayDataType.INSTANCE));
        } catch (MVStoreException e) {
            closeQuietly(opened, fileStore);
            throw new IllegalStateException("cannot open the state store " + file + ": " + explain(e), e);
        } catch (RuntimeException e) {
            closeQuietly(opened, fileStore);
            throw new IllegalStateException("cannot open the state store " + file + ": " + e, e);
        }
        if (opened.getFileStore().isReadOnly()) {
            closeQuietly(opened, fileStore);
            throw new IllegalStateException("cannot open the state store " + file + ": it opened read-only");
        }
        this.store = opened;
        this.map = stateMap;
        try {
            // reuse a superseded chunk's space only once its successor is on disk (see the class comment)
            store.setRetentionTime(0);
            syncAndPin();
        } catch (RuntimeException e) {
            closeQuietly(opened, fileStore);
            throw new IllegalStateException("cannot open the state store " + file + ": " + e, e);
        }
        this.committer = new GroupCommitter(file.toString(), new GroupCommitter.Writer() {
            @Override
            public void write(List<StateKeys.Change> changes) {
                MvStoreStateStore.this.write(changes);
            }

            @Override
            public void idle() {
                syncIfUnsynced();
            }

            @Override
            public void failed(RuntimeException failure) {
                closed = true;
                closeQuietly(store);
            }
        }, commitTimeoutNanos, maxPendingCommitBytes, syncIntervalNanos, TimeUnit.MICROSECONDS.toNanos(groupCommitLingerMicros));
    }

    /**
     * The data directory for a configured value: an absolute path as it is, a relative one against the
     * system property {@code kelpie.home} when set, else against the working directory.
     */
    public static Path resolveDataDir(String configured) {
        String value = configured == null || configured.isBlank() ? "data" : configured.trim();
        try {
            Path p = Path.of(value);
            if (p.isAbsolute()) {
                return p.normalize();
            }
            String home = System.getProperty(HOME_PROPERTY);
            Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home.trim());
            return base.resolve(p).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("data_dir '" + value + "' is not a valid path: " + e.getMessage(), e);
        }
    }

    /** The store file. */
    public Path file() {
        return file;
    }

    @Override
    public byte[] get(ActorId actor, String key) {
        String k = StateKeys.forRead(actor, key);
        checkOpen();
        StateKeys.Change queued = committer.pending(k);
        if (queued != null) {
            return queued.value() == null ? null : queued.value().clone();
        }
        MVStore.TxCounter reading = beginRead();
        try {
            byte[] v = map.get(k);
            return v == null ? null : v.clone();
        } catch (MVStoreException e) {
            throw readFailed(actor, e);
        } finally {
            store.deregisterVersionUsage(reading);
        }
    }

    @Override
    public List<String> keys(ActorId actor, String prefix) {
        String from = StateKeys.forListing(actor, prefix);
        int actorPrefixLength = StateKeys.actorPrefix(actor).length();
        checkOpen();
        // the queued changes first: the committer drops one from them only after writing it to the map,
        // so reading them before the map never misses a key (the actor itself adds none meanwhile)
        Map<String, StateKeys.Change> queued = committer.hasPending() ? Map.copyOf(committer.pendingRange(from)) : Map.of();
        List<String> out = new ArrayList<>();
        MVStore.TxCounter reading = beginRead();
        try {
            // the matching keys are one contiguous range starting at the ceiling of 'from'
            Cursor<String, byte[]> cursor = map.cursor(from);
            while (cursor.hasNext()) {
                String k = cursor.next();
                if (!k.startsWith(from)) {
                    break;
                }
                if (!queued.containsKey(k)) {
                    out.add(k.substring(actorPrefixLength));
                }
            }
            if (!queued.isEmpty()) {
                TreeSet<String> merged = new TreeSet<>(out);
                for (StateKeys.Change c : queued.values()) {
                    if (c.value() != null) {
                        merged.add(c.storageKey().substring(actorPrefixLength));
                    }
                }
                return new ArrayList<>(merged);
            }
            return out;
        } catch (MVStoreException e) {
            throw readFailed(actor, e);
        } finally {
            store.deregisterVersionUsage(reading);
        }
    }

    /**
     * Commits one turn and waits for it: {@link #commitAsync}, then at most {@code commit_timeout_ms} for
     * its group (the wait does not end on an interrupt, which is kept for the caller).
     */
    @Override
    public void commit(ActorId actor, Map<String, byte[]> changes) {
        CompletableFuture<Void> done = commitAsync(actor, changes);
        boolean interrupted = false;
        long deadline = System.nanoTime() + commitTimeoutNanos + TimeUnit.SECONDS.toNanos(1);
        try {
            while (true) {
                try {
                    done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RuntimeException r ? r : new IllegalStateException(String.valueOf(cause), cause);
                } catch (TimeoutException e) {
                    // the group's own timeout fails it first; this is a second bound
                    throw new IllegalStateException("the state commit of actor " + actor + " to " + file
                            + " did not finish within commit_timeout_ms", e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Queues the turn's changes for the next group commit; they are visible to reads at once, and the future
     * completes once they are written (and fsynced, when that is due; see the class comment).
     */
    @Override
    public CompletableFuture<Void> commitAsync(ActorId actor, Map<String, byte[]> changes) {
        List<StateKeys.Change> batch;
        try {
            batch = StateKeys.forCommit(actor, changes);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return committer.submit(actor, batch);
    }

    /** Applies a group of turns to the map and commits it (the committer thread only). */
    private void write(List<StateKeys.Change> batch) {
        lock.lock();
        try {
            checkOpen();
            try {
                for (StateKeys.Change c : batch) {
                    if (c.value() == null) {
                        map.remove(c.storageKey());
                    } else {
                        map.put(c.storageKey(), c.value());
                    }
                }
                store.commit();
            } catch (RuntimeException | Error e) {
                throw new IllegalStateException("cannot write the commit to " + file + ": "
                        + (e instanceof MVStoreException m ? explain(m) : e.toString()), e);
            }
            unsynced = true;
            if (System.nanoTime() - lastSyncNanos >= syncIntervalNanos) {
                sync();
            }
            if (++commitsSinceCompaction >= COMPACT_EVERY_COMMITS) {
                commitsSinceCompaction = 0;
                compact();
            }
        } finally {
            lock.unlock();
        }
    }

    /** fsyncs what was written since the last fsync (the committer, when no commit came for an interval). */
    private void syncIfUnsynced() {
        lock.lock();
        try {
            if (unsynced && !closed && !store.isClosed()) {
                sync();
            }
        } finally {
            lock.unlock();
        }
    }

    /** fsyncs under the lock; a failure closes the store (the committer fails what waits). */
    private void sync() {
        try {
            syncAndPin();
        } catch (RuntimeException e) {
            // after a failed fsync the kernel may already have dropped dirty pages: nothing written
            // since the last good fsync can be trusted to reach the disk, so stop writing at all
            closed = true;
            closeQuietly(store);
            throw new IllegalStateException("the fsync of " + file + " failed, so the store is closed: "
                    + (e instanceof MVStoreException m ? explain(m) : e.toString()), e);
        }
    }

    /** fsyncs the file and moves the pin to the version now on disk. Under the lock (or in the constructor). */
    private void syncAndPin() {
        store.sync();
        MVStore.TxCounter previous = durablePin;
        durablePin = store.registerVersionUsage();
        if (previous != null) {
            store.deregisterVersionUsage(previous);
        }
        lastSyncNanos = System.nanoTime();
        unsynced = false;
    }

    /**
     * Rewrites the live pages of mostly dead chunks; it only moves committed data, so a crash during it
     * loses nothing. The turn that triggered it is committed already, so a failure here is not its failure:
     * if it broke the store, the next operation reports that.
     */
    private void compact() {
        try {
            if (store.compact(COMPACT_TARGET_FILL_RATE, COMPACT_WRITE_BYTES)) {
                store.commit();
            }
        } catch (RuntimeException e) {
            try {
                if (!store.isClosed()) {
                    store.rollback();
                }
            } catch (RuntimeException ignored) {
                // reported by the next operation
            }
        }
    }

    @Override
    public String describe() {
        return STORE_NAME + " " + file + (closed ? " (closed)" : "");
    }

    /**
     * Closes the store: first writes every queued commit (waiting at most {@code commit_timeout_ms}; what is
     * not written by then fails), then fsyncs. The file is closed and unlocked even when the final fsync
     * or close fails (that failure is then thrown, naming the file). Idempotent.
     */
    @Deactivate
    @Override
    public void close() {
        if (!committer.close()) {
            // a write hung past the commit timeout and holds the lock: the committer failed what was queued
            // and closed the file without it
            throw new IllegalStateException("closing the state store " + file + ": a commit was still being written "
                    + "after commit_timeout_ms (" + TimeUnit.NANOSECONDS.toMillis(commitTimeoutNanos) + " ms); the "
                    + "turns queued behind it failed and the file was closed at once (turns acknowledged before are in it)");
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true; // refuse new operations while closing; the lock keeps commits out already
            if (store.isClosed()) {
                return;
            }
            RuntimeException failure = null;
            try {
                store.sync();
                // MVStore expects no version in use when it closes
                store.deregisterVersionUsage(durablePin);
                store.close();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                if (!store.isClosed()) {
                    // whatever failed, release the file and its lock, or it stays locked until the JVM exits
                    closeQuietly(store);
                }
            }
            if (failure != null) {
                throw new IllegalStateException("closing the state store " + file + " failed (the file is closed "
                        + "and unlocked; committed turns are in it): "
                        + (failure instanceof MVStoreException m ? explain(m) : failure.toString()), failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /** For tests in this package only. */
    GroupCommitter committerForTests() {
        return committer;
    }

    /** For tests in this package only. */
    MVStore mvStoreForTests() {
        return store;
    }

    /** For tests in this package only. */
    MVMap<String, byte[]> mvMapForTests() {
        return map;
    }

    @Override
    public String toString() {
        return describe();
    }

    /**
     * Registers a read of the current version, so the chunks it may still have to load are not reused
     * while it runs (readers do not take the commit lock).
     */
    private MVStore.TxCounter beginRead() {
        checkOpen();
        return store.registerVersionUsage();
    }

    private IllegalStateException readFailed(ActorId actor, MVStoreException e) {
        return new IllegalStateException("cannot read the state of actor " + actor + " from " + file + ": "
                + (closed || store.isClosed() ? "the store is closed" : explain(e)), e);
    }

    private void checkOpen() {
        RuntimeException failed = committer == null ? null : committer.failure();
        if (failed != null) {
            throw new IllegalStateException(failed.getMessage(), failed);
        }
        if (closed || store.isClosed()) {
            MVStoreException panic = store.getPanicException();
            throw new IllegalStateException("the state store " + file + " is closed"
                    + (panic == null ? "" : " after a failure: " + explain(panic)), panic);
        }
    }

    private static String explain(MVStoreException e) {
        return switch (e.getErrorCode()) {
            case DataUtils.ERROR_FILE_LOCKED -> "the file is locked: another store has it open, in this or another "
                    + "process (" + e.getMessage() + ")";
            case DataUtils.ERROR_FILE_CORRUPT -> "the file is corrupt (" + e.getMessage() + ")";
            case DataUtils.ERROR_UNSUPPORTED_FORMAT -> "the file has an unsupported format (" + e.getMessage() + ")";
            default -> e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")");
        };
    }

    private static void closeQuietly(MVStore s) {
        if (s != null) {
            try {
                s.closeImmediately();
            } catch (RuntimeException ignored) {
                // the open already failed; that is the error to report
            }
        }
    }

    /** Closes a store that failed to open, and its file store, which it may not have adopted yet. */
    private static void closeQuietly(MVStore s, InterruptSafeFileStore fileStore) {
        closeQuietly(s);
        try {
            fileStore.close();
        } catch (RuntimeException ignored) {
            // closed already, or the open failed; that is the error to report
        }
    }
}
