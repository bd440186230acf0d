package dev.kelpie.cluster.state;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.state.StaleEpochException;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.api.state.StateUnavailableException;
import dev.kelpie.cluster.state.wire.CommitProcessor;
import dev.kelpie.cluster.state.wire.LocalCopies;
import dev.kelpie.cluster.state.wire.OfferProcessor;
import dev.kelpie.cluster.state.wire.OpenProcessor;
import dev.kelpie.cluster.state.wire.Outcome;
import dev.kelpie.cluster.state.wire.StateRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The state store of a cluster ({@code kelpie.store.name=cluster}): each actor's state is one record in
 * the Hazelcast map {@code kelpie.state}, keyed by {@code ActorId.toString()} so that it lives in the
 * partition that places the actor, with {@code backup_count} synchronous backups.
 *
 * <h2>Fencing</h2>
 * The record holds an epoch. {@link #open} runs an entry processor on the partition owner that raises it
 * by one and answers the new epoch with the state (which this member keeps as the activation's cache:
 * reads of an open actor are local). Every commit is an entry processor that applies the turn's changes
 * only when the record's epoch is still the activation's, else refuses with {@link StaleEpochException}
 * (a newer activation exists) or {@link StateUnavailableException} (the record is older than the
 * activation: lost and restored from an older copy). Processors of one key run one at a time on its
 * owner, so "check the epoch, apply" is atomic, and the open of a newer activation fences every later
 * commit of an older one. The commits of an activation are sent one after the other (a commit waits
 * for the one before), and one made while an earlier one fails fails too.
 *
 * <h2>Durability</h2>
 * A commit's future completes when the owner applied it and its synchronous backups acknowledged: the
 * record is then in memory on 1 + {@code backup_count} members, and each of them wrote it to its local
 * persistent copy before it answered (see {@link LocalCopies}): the member's own MVStore store
 * ({@code kelpie.store.name=mvstore}), as the value of key {@code type:id} of the reserved actor
 * {@code kelpie.cluster-state:records}, with its epoch and version. On start, after joining, each member
 * offers every record of its local copy to the map, and the newest (epoch, then version) wins: a whole
 * cluster restarted with its data directories gets its records back.
 *
 * <p>Every Hazelcast call is bounded by {@code operation_timeout_ms}; past it the outcome is unknown and
 * the caller gets {@link StateUnavailableException} naming the actor and the member. A commit carries the
 * turn's new values (not deltas), so when Hazelcast retries one whose owner died after applying it, the
 * same state is applied twice, harmlessly (the version counts both).
 *
 * <h2>Limits</h2>
 * <ul>
 * <li>Each commit sends the turn's changes to the owner, but the owner, each backup and each local copy
 *     store the whole record: a commit costs O(size of the actor's state), bounded by
 *     {@code max_record_bytes}. Keep an actor's state small.
 * <li>A local copy holds a record as of the last time its member was owner or backup of it; after a
 *     migration the new replicas have it in memory and on disk only from their next write. A whole-cluster
 *     restart therefore needs the data directories of the members that last held each record (all of
 *     them, in practice) and should be done with every member started before traffic: an actor activated
 *     before the member holding its newest copy offered it starts from an older copy, and is fenced off
 *     (its acknowledged writes lost) once that member's newer copy wins.
 * <li>A whole cluster that dies at once (every replica of a record) keeps what the local copies had
 *     written: every acknowledged commit (each replica writes before it answers), in the operating system's
 *     page cache, synced as the MVStore store's {@code sync_interval_ms} says.
 * </ul>
 */
@Component(service = StateStore.class, configurationPid = ClusteredStateStore.PID,
        property = StateStore.NAME + "=" + ClusteredStateStore.STORE_NAME)
@Designate(ocd = ClusteredStateStore.Config.class)
public final class ClusteredStateStore implements StateStore, AutoCloseable {
    public static final String PID = "dev.kelpie.cluster.state";
    public static final String STORE_NAME = "cluster";
    public static final String MAP_NAME = "kelpie.state";
    /** The reserved actor of the local copy: one key per actor record. */
    public static final ActorId LOCAL_RECORDS = new ActorId("kelpie.cluster-state", "records");
    private static final int RESTORE_BATCH = 256;
    private static final System.Logger LOG = System.getLogger("kelpie.cluster.state");

    /** ConfigAdmin configuration of the clustered store. */
    @ObjectClassDefinition(name = "Kelpie cluster state store",
            description = "The fenced, replicated state store of a cluster (Hazelcast map kelpie.state)")
    public @interface Config {
        @AttributeDefinition(description = "Synchronous backups of each actor's record (1 to 6); an acknowledged "
                + "commit is on 1 + backup_count members")
        int backup__count() default ClusterStateSettings.DEFAULT_BACKUP_COUNT;

        @AttributeDefinition(description = "Bound of every cluster call of the store (open, commit, read), in ms; "
                + "past it the turn fails with UNAVAILABLE and its outcome is unknown")
        long operation__timeout__ms() default ClusterStateSettings.DEFAULT_OPERATION_TIMEOUT_MS;

        @AttributeDefinition(description = "Largest state of one actor (keys and values), in bytes; a commit past "
                + "it is refused")
        long max__record__bytes() default ClusterStateSettings.DEFAULT_MAX_RECORD_BYTES;

        @AttributeDefinition(description = "How long the start may take to offer the member's local copy to the "
                + "cluster, in ms")
        long restore__timeout__ms() default ClusterStateSettings.DEFAULT_RESTORE_TIMEOUT_MS;
    }

    private final HazelcastInstance hz;
    private final StateStore local;
    private final ClusterStateSettings settings;
    private final IMap<String, StateRecord> map;
    private final String member;
    private final long timeoutMillis;
    private final LocalCopies.LocalCopy localCopy = this::writeLocal;
    /** The activations of this member that opened their state, with their cache. */
    private final ConcurrentHashMap<ActorId, Opened> opened = new ConcurrentHashMap<>();
    private volatile boolean closed;

    @Activate
    public ClusteredStateStore(
            @Reference(name = "hazelcast", target = "(kelpie.cluster.name=*)") HazelcastInstance hz,
            @Reference(name = "local", target = "(" + StateStore.NAME + "=mvstore)") StateStore local,
            Config config) {
        this(hz, local, new ClusterStateSettings(config.backup__count(), Duration.ofMillis(config.operation__timeout__ms()),
                config.max__record__bytes(), Duration.ofMillis(config.restore__timeout__ms())));
    }

    /**
     * Starts the store on a member: configures the map (backups), registers the member's local copy and
     * offers its records to the map (bounded by the restore timeout).
     *
     * @param local the member's own persistent store (not shared with another member)
     * @throws IllegalStateException naming the member and the cause when the map cannot be configured or
     *     the restore does not finish in time
     */
    public ClusteredStateStore(HazelcastInstance hz, StateStore local, ClusterStateSettings settings) {
        if (hz == null || local == null || settings == null) {
            throw new IllegalArgumentException("the clustered state store needs a Hazelcast member, a local store and settings");
        }
        this.hz = hz;
        this.local = local;
        this.settings = settings;
        this.timeoutMillis = settings.operationTimeout().toMillis();
        this.member = name(hz.getCluster().getLocalMember());
        configureMap();
        this.map = hz.getMap(MAP_NAME);
        LocalCopies.register(hz.getName(), localCopy);
        try {
            restore();
        } catch (RuntimeException e) {
            LocalCopies.unregister(hz.getName(), localCopy);
            throw e;
        }
    }

    /** Adds the map's configuration (backups) to the cluster, unless the same is there already. */
    private void configureMap() {
        MapConfig config = new MapConfig(MAP_NAME)
                .setBackupCount(settings.backupCount())
                .setAsyncBackupCount(0)
                .setReadBackupData(false)
                .setInMemoryFormat(InMemoryFormat.BINARY);
        try {
            hz.getConfig().addMapConfig(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster state store on member " + member + ": cannot configure the map "
                    + MAP_NAME + " with backup_count " + settings.backupCount() + " (another member configured it "
                    + "differently? every member must use the same backup_count): " + e.getMessage(), e);
        }
        int configured = hz.getConfig().getMapConfig(MAP_NAME).getBackupCount();
        if (configured != settings.backupCount()) {
            throw new IllegalStateException("cluster state store on member " + member + ": the map " + MAP_NAME
                    + " has " + configured + " backups configured, not backup_count " + settings.backupCount());
        }
    }

    // ---- fencing ----

    @Override
    public long open(ActorId actor) {
        checkActor(actor, "open");
        checkOpen();
        Outcome o = await(map.submitToKey(actor.toString(), new OpenProcessor(member)), actor, "opening the state of");
        StateRecord r = o.record();
        Opened fresh = new Opened(r.epoch(), new TreeMap<>(r.values()), r.bytes());
        opened.put(actor, fresh); // a previous activation of this member, if any, is fenced off by the new epoch
        return r.epoch();
    }

    @Override
    public void close(ActorId actor, long epoch) {
        if (actor != null) {
            opened.computeIfPresent(actor, (k, o) -> o.epoch == epoch ? null : o);
        }
    }

    @Override
    public CompletableFuture<Void> commitAsync(ActorId actor, long epoch, Map<String, byte[]> changes) {
        LinkedHashMap<String, byte[]> copy;
        try {
            checkOpen();
            copy = checkChanges(actor, changes);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (copy.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Opened o = opened.get(actor);
        if (o == null || o.epoch != epoch) {
            return send(actor, epoch, copy); // not cached here: the owner decides
        }
        synchronized (o) {
            try {
                NavigableMap<String, byte[]> view = o.view(actor);
                long size = o.bytes;
                for (Map.Entry<String, byte[]> c : copy.entrySet()) {
                    byte[] old = view.get(c.getKey());
                    long keyBytes = c.getKey().getBytes(StandardCharsets.UTF_8).length + 8L;
                    if (old != null) {
                        size -= keyBytes + old.length;
                    }
                    if (c.getValue() != null) {
                        size += keyBytes + c.getValue().length;
                    }
                }
                if (size > settings.maxRecordBytes()) {
                    throw new IllegalArgumentException("the state of actor " + actor + " would be " + size + " bytes "
                            + "(keys and values), over the limit of " + settings.maxRecordBytes()
                            + " bytes (max_record_bytes); the turn's changes were not applied");
                }
                StateRecord.applyTo(view, copy);
                o.bytes = size;
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> before = o.tail;
            if (before.isDone() && before.isCompletedExceptionally()) {
                before = CompletableFuture.completedFuture(null); // its failure is known: this commit read the store as it is
            }
            CompletableFuture<Void> mine = before.thenCompose(v -> send(actor, epoch, copy)).whenComplete((v, t) -> {
                if (t != null) {
                    synchronized (o) {
                        o.forget(); // reread the record: it may not hold these changes
                    }
                }
            });
            o.tail = mine;
            return mine;
        }
    }

    /** A commit without an activation's epoch: as the open activation of this member if there is one, else unfenced. */
    @Override
    public CompletableFuture<Void> commitAsync(ActorId actor, Map<String, byte[]> changes) {
        Opened o = actor == null ? null : opened.get(actor);
        return commitAsync(actor, o == null ? CommitProcessor.UNFENCED : o.epoch, changes);
    }

    @Override
    public void commit(ActorId actor, Map<String, byte[]> changes) {
        CompletableFuture<Void> done = commitAsync(actor, changes);
        try {
            done.get(timeoutMillis + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while committing the state of actor " + actor
                    + "; whether it was applied is unknown", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(String.valueOf(cause), cause);
        } catch (TimeoutException e) {
            throw unavailable(actor, "committing the state of", e);
        }
    }

    /** Sends one commit to the owner; completes when it and its backups applied it, or fails naming why. */
    private CompletableFuture<Void> send(ActorId actor, long epoch, Map<String, byte[]> changes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Outcome> sent;
        try {
            sent = map.submitToKey(actor.toString(), new CommitProcessor(epoch, changes, settings.maxRecordBytes()))
                    .toCompletableFuture().orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(translate(e, actor, "committing the state of"));
        }
        sent.whenComplete((o, t) -> {
            if (t != null) {
                done.completeExceptionally(translate(t, actor, "committing the state of"));
                return;
            }
            switch (o.kind()) {
                case OK -> done.complete(null);
                case STALE -> done.completeExceptionally(new StaleEpochException(actor, epoch, o.epoch(), o.member()));
                case LOST -> done.completeExceptionally(new StateUnavailableException("the state of actor " + actor
                        + " changed underneath its activation (epoch " + epoch + ") on member " + ownerOf(actor) + ": "
                        + o.detail() + "; the turn's changes were not applied"));
                default -> done.completeExceptionally(new IllegalArgumentException("commit of actor " + actor
                        + " refused by member " + ownerOf(actor) + ": " + o.detail()));
            }
        });
        return done;
    }

    // ---- reads ----

    @Override
    public byte[] get(ActorId actor, String key) {
        checkActor(actor, "read");
        checkKey(actor, key);
        Opened o = opened.get(actor);
        byte[] v;
        if (o != null) {
            synchronized (o) {
                v = o.view(actor).get(key);
            }
        } else {
            StateRecord r = read(actor);
            v = r == null ? null : r.values().get(key);
        }
        return v == null ? null : v.clone();
    }

    @Override
    public List<String> keys(ActorId actor, String prefix) {
        checkActor(actor, "list keys");
        String p = prefix == null ? "" : prefix;
        if (p.indexOf('\0') >= 0 || p.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("key prefix for actor " + actor + " contains NUL or a newline; state keys never do");
        }
        Opened o = opened.get(actor);
        if (o != null) {
            synchronized (o) {
                return matching(o.view(actor), p);
            }
        }
        StateRecord r = read(actor);
        return r == null ? new ArrayList<>() : matching(r.values(), p);
    }

    private static List<String> matching(NavigableMap<String, byte[]> state, String prefix) {
        List<String> out = new ArrayList<>();
        for (String k : state.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            out.add(k);
        }
        return out;
    }

    /** The actor's record as the map has it (bounded), or null. */
    private StateRecord read(ActorId actor) {
        checkOpen();
        return await(map.getAsync(actor.toString()), actor, "reading the state of");
    }

    // ---- the local copy and the restore ----

    /** Writes a record to this member's local store (called by the processors on this member). */
    private void writeLocal(String key, StateRecord record) {
        try {
            local.commitAsync(LOCAL_RECORDS, Map.of(key, record.toBytes())).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("member " + member + " was interrupted writing the local copy of actor " + key);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("member " + member + " cannot write the local copy of actor " + key + " ("
                    + record + ") to " + local.describe() + ": " + cause, cause);
        }
    }

    /** Offers every record of the local copy to the map; the newest (epoch, version) wins. */
    private void restore() {
        long deadline = System.nanoTime() + settings.restoreTimeout().toNanos();
        List<String> keys = local.keys(LOCAL_RECORDS, "");
        int installed = 0;
        int skipped = 0;
        for (int from = 0; from < keys.size(); from += RESTORE_BATCH) {
            List<CompletableFuture<Outcome>> batch = new ArrayList<>();
            for (String key : keys.subList(from, Math.min(keys.size(), from + RESTORE_BATCH))) {
                byte[] data = local.get(LOCAL_RECORDS, key);
                if (data == null) {
                    continue;
                }
                StateRecord r;
                try {
                    r = StateRecord.fromBytes(data);
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "member " + member + ": the local copy of actor " + key + " in "
                            + local.describe() + " is unreadable and was not offered: " + e.getMessage());
                    skipped++;
                    continue;
                }
                batch.add(map.submitToKey(key, new OfferProcessor(r)).toCompletableFuture());
            }
            try {
                CompletableFuture.allOf(batch.toArray(new CompletableFuture[0]))
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("member " + member + ": interrupted while restoring the local copy");
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("member " + member + ": offering the " + keys.size() + " records of "
                        + "its local copy (" + local.describe() + ") to the cluster failed or took longer than "
                        + "restore_timeout_ms (" + settings.restoreTimeout().toMillis() + " ms): " + e, e);
            }
            for (CompletableFuture<Outcome> f : batch) {
                if (f.join().kind() == Outcome.Kind.OK) {
                    installed++;
                }
            }
        }
        if (!keys.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "member " + member + " offered " + keys.size() + " records of its local "
                    + "copy to the cluster: " + installed + " were newer than the map's" + (skipped > 0 ? ", "
                    + skipped + " unreadable" : ""));
        }
    }

    // ---- helpers ----

    private <T> T await(CompletionStage<T> stage, ActorId actor, String what) {
        try {
            return stage.toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while " + what + " actor " + actor + " on member "
                    + ownerOf(actor) + "; its outcome is unknown", e);
        } catch (ExecutionException e) {
            throw translate(e.getCause(), actor, what);
        } catch (TimeoutException e) {
            throw unavailable(actor, what, e);
        } catch (RuntimeException e) {
            throw translate(e, actor, what);
        }
    }

    /** A Hazelcast failure as the store reports it: the member unreachable or too slow is UNAVAILABLE. */
    private RuntimeException translate(Throwable t, ActorId actor, String what) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof TimeoutException) {
            return unavailable(actor, what, cause);
        }
        if (cause instanceof StaleEpochException || cause instanceof StateUnavailableException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof com.hazelcast.core.HazelcastInstanceNotActiveException
                || cause instanceof com.hazelcast.core.MemberLeftException
                || cause instanceof com.hazelcast.spi.exception.TargetNotMemberException
                || cause instanceof com.hazelcast.core.OperationTimeoutException
                || cause instanceof com.hazelcast.spi.exception.PartitionMigratingException
                || cause instanceof com.hazelcast.spi.exception.RetryableException) {
            return new StateUnavailableException(what + " actor " + actor + " failed on member " + ownerOf(actor)
                    + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); its outcome is unknown", cause);
        }
        return new IllegalStateException(what + " actor " + actor + " failed on member " + ownerOf(actor) + ": " + cause,
                cause);
    }

    private StateUnavailableException unavailable(ActorId actor, String what, Throwable cause) {
        return new StateUnavailableException(what + " actor " + actor + " got no answer from member " + ownerOf(actor)
                + " within " + timeoutMillis + " ms (operation_timeout_ms); its outcome is unknown", cause);
    }

    /** The member owning the actor's partition (host:port), for messages. */
    String ownerOf(ActorId actor) {
        try {
            Member owner = hz.getPartitionService().getPartition(actor.toString()).getOwner();
            return owner == null ? "(no owner yet)" : name(owner);
        } catch (RuntimeException e) {
            return "(unknown: " + e.getClass().getSimpleName() + ")";
        }
    }

    static String name(Member m) {
        Address a = m.getAddress();
        return a.getHost() + ":" + a.getPort();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the cluster state store on member " + member + " is closed");
        }
    }

    private static void checkActor(ActorId actor, String operation) {
        if (actor == null) {
            throw new IllegalArgumentException("no actor given to " + operation);
        }
    }

    private static LinkedHashMap<String, byte[]> checkChanges(ActorId actor, Map<String, byte[]> changes) {
        checkActor(actor, "commit");
        if (changes == null) {
            throw new IllegalArgumentException("no changes map given for the commit of actor " + actor
                    + " (use an empty map for a turn without writes)");
        }
        LinkedHashMap<String, byte[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            checkKey(actor, c.getKey());
            copy.put(c.getKey(), c.getValue() == null ? null : c.getValue().clone());
        }
        return copy;
    }

    private static void checkKey(ActorId actor, String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty state key for actor " + actor);
        }
        if (key.indexOf('\0') >= 0 || key.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("state key of actor " + actor + " contains NUL or a newline");
        }
        if (key.length() > ActorState.MAX_KEY_BYTES || key.getBytes(StandardCharsets.UTF_8).length > ActorState.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("state key of actor " + actor + " is over " + ActorState.MAX_KEY_BYTES + " bytes");
        }
    }

    @Override
    public String describe() {
        return STORE_NAME + " (map " + MAP_NAME + ", " + settings.backupCount() + " synchronous backup(s)) on member "
                + member + "; local copy in " + local.describe() + (closed ? " (closed)" : "");
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Stops serving: the member's local copy is no longer written by this store. The member is not stopped. */
    @Deactivate
    @Override
    public void close() {
        closed = true;
        LocalCopies.unregister(hz.getName(), localCopy);
        opened.clear();
    }

    /** An activation of this member that opened its state: its epoch, its cache of the state, its commits. */
    private final class Opened {
        final long epoch;
        /** The state as this activation's commits made it; null after a failed commit (reread then). */
        private NavigableMap<String, byte[]> view;
        long bytes;
        /** The last commit sent (or waiting to be); the next waits for it. */
        CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

        Opened(long epoch, NavigableMap<String, byte[]> view, long bytes) {
            this.epoch = epoch;
            this.view = view;
            this.bytes = bytes;
        }

        /** The cached state, reread from the map (bounded) after a failed commit. Under the lock. */
        NavigableMap<String, byte[]> view(ActorId actor) {
            if (view == null) {
                StateRecord r = read(actor);
                view = r == null ? new TreeMap<>() : new TreeMap<>(r.values());
                bytes = r == null ? 0 : r.bytes();
            }
            return view;
        }

        void forget() {
            view = null;
        }
    }
}
