package dev.kelpie.cluster.modules;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.cluster.TypeRollout;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.DeploymentListener;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Rolls modules out across the cluster: every deployment or undeployment completed on this member is
 * published into the Hazelcast map {@value #MAP} (one entry per actor type, see {@link ModuleEntry}), and
 * every change of that map is applied here through the local {@link ModuleDeployer}, unless this member runs
 * that exactly already (which is what stops the loop: applying a peer's entry deploys locally, the listener
 * sees the map already describes it and publishes nothing). A member starting applies the map's content.
 *
 * <h2>Who wins</h2>
 * Each change of a type's entry carries the next version, and is published with a compare-and-set
 * against the entry this member last saw ({@code putIfAbsent} / {@code replace(key, old, new)} on the
 * entry's partition owner). So when two members publish different modules for one type at once, the first
 * to reach the map wins; the other member's local deployment is superseded: it logs a warning naming both
 * modules and applies the winner, so every member ends up running the same SHA-256. The same holds for a
 * member that deploys a type whose current entry it has not applied yet (one just starting, for instance):
 * the map wins.
 *
 * <h2>Threads</h2>
 * Map events only mark a type as changed (Hazelcast's event thread returns at once); one worker thread
 * reads the entry's current value and applies it, so bursts coalesce to at most one pending task per type.
 * Publishing runs on the deploying thread (the deployer calls its listeners off its lock). One lock
 * serialises this member's publish and apply decisions.
 *
 * <h2>Types on their way</h2>
 * As the {@link TypeRollout} in its Hazelcast member's user context, it tells the member's router whether a
 * type this member has not deployed is one the cluster holds and this member is applying (a message for it then
 * waits for the deployment instead of failing with {@code unknown_type}).
 */
final class ModuleRollout implements DeploymentListener, TypeRollout, AutoCloseable {
    /** The cluster's module map: type name to an encoded {@link ModuleEntry}. */
    static final String MAP = "kelpie.modules";

    private static final System.Logger LOG = System.getLogger("kelpie.cluster.modules");
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final IMap<String, byte[]> map;
    private final ModuleDeployer deployer;
    private final ActorRuntime runtime;
    private final LongSupplier maxModuleBytes;
    private final int maxTypes;
    private final BooleanSupplier shuttingDown;
    private final String member;
    private final ReentrantLock lock = new ReentrantLock();
    /** The version of each type's entry this member last applied or published. Under {@link #lock}. */
    private final Map<String, Long> known = new HashMap<>();
    /** Types with an apply task queued (at most one each). Under itself. */
    private final Set<String> pending = new HashSet<>();
    /** Types whose current entry, as this member last read it, is a tombstone. */
    private final Set<String> tombstones = ConcurrentHashMap.newKeySet();
    /** Types whose current entry this member failed to apply (until the entry changes). */
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    /** The type the worker is applying now, or null. */
    private volatile String applying;
    private final HazelcastInstance hazelcast;
    private final ThreadPoolExecutor worker;
    private volatile UUID listenerId;
    private volatile boolean closed;
    /** Test hook: runs on the worker before it applies a type's entry. */
    volatile Runnable beforeApply = () -> {};
    /** Test hook: runs when a local change has read the map's entry, before it publishes (compare-and-set). */
    volatile Runnable beforePublish = () -> {};

    /**
     * @param maxModuleBytes the registry's size cap, checked on every entry read
     * @param maxTypes the most entries (types and tombstones) the map may hold; a new type past it is not published
     * @param shuttingDown whether the framework is stopping: undeployments then are local (a member shutting
     *     down must not remove its types from the cluster)
     */
    ModuleRollout(HazelcastInstance hz, ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes,
            int maxTypes, BooleanSupplier shuttingDown) {
        this.hazelcast = Objects.requireNonNull(hz, "hazelcast instance");
        this.map = hz.getMap(MAP);
        this.deployer = Objects.requireNonNull(deployer, "module deployer");
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.maxModuleBytes = Objects.requireNonNull(maxModuleBytes, "module size cap");
        if (maxTypes < 1) {
            throw new IllegalArgumentException("max_types must be at least 1, was " + maxTypes);
        }
        this.maxTypes = maxTypes;
        this.shuttingDown = Objects.requireNonNull(shuttingDown, "shutting down");
        Address a = hz.getCluster().getLocalMember().getAddress();
        this.member = a.getHost() + ":" + a.getPort();
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "kelpie-module-rollout");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts listening to the map and queues every entry it holds now (a starting member catches up). */
    ModuleRollout start() {
        listenerId = map.addEntryListener(new Changes(), false);
        Set<String> types = map.keySet();
        types.forEach(this::changed);
        hazelcast.getUserContext().put(USER_CONTEXT_KEY, this);
        Set<String> localOnly = new java.util.TreeSet<>();
        for (ActorType t : runtime.types()) {
            if (t.isWasm() && !types.contains(t.name())) {
                localOnly.add(t.name());
            }
        }
        LOG.log(Level.INFO, "module rollout on member " + member + ": " + types.size() + " type(s) in " + MAP
                + (localOnly.isEmpty() ? "" : "; deployed here before the rollout started and not rolled out (deploy them"
                + " again to roll them out): " + localOnly));
        return this;
    }

    /** This member's address, host:port. */
    String member() {
        return member;
    }

    // ---- publishing: the deployer's listener ------------------------------------------------------

    @Override
    public void deployed(DeployRequest request, DeployResult result) {
        ActorType type = result.type();
        if (closed || !type.isWasm()) {
            return;
        }
        String name = type.name();
        lock.lock();
        try {
            Current cur = read(name);
            if (cur.entry != null && cur.entry.describes(type)) {
                known.put(name, cur.entry.version());
                return; // applied from the map, or the same module again: nothing to publish
            }
            if (!basedOnCurrent(name, cur)) {
                superseded(name, result.module().label(), cur.entry);
                return;
            }
            byte[] bytes = request.bytes();
            if (bytes == null) {
                LOG.log(Level.WARNING, "type '" + name + "' (module " + result.module().label() + ") was deployed on member "
                        + member + " from a module installed earlier, whose bytes this member does not keep: it is not"
                        + " rolled out to the cluster; deploy it from bytes (kelpie:install, PUT /modules, a module bundle)"
                        + " to roll it out");
                return;
            }
            long version = cur.entry == null ? 1 : cur.entry.version() + 1;
            ModuleEntry entry = ModuleEntry.deployed(name, version, member, type.module(), result.module().name(), bytes,
                    type.limits(), type.hostNamespaces(), request.environment());
            publish(name, cur, entry, result.module().label());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "type '" + name + "' (module " + result.module().label() + ") deployed on member " + member
                    + " could not be published to " + MAP + ": " + e, e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void undeployed(UndeployResult result) {
        String name = result.type().name();
        if (closed || !result.type().isWasm()) {
            return;
        }
        if (shuttingDown.getAsBoolean()) {
            LOG.log(Level.DEBUG, "type '" + name + "' undeployed on member " + member + " while it shuts down: kept in the cluster");
            return;
        }
        lock.lock();
        try {
            Current cur = read(name);
            if (cur.entry == null || cur.entry.isTombstone()) {
                if (cur.entry != null) {
                    known.put(name, cur.entry.version());
                }
                return; // not in the cluster's map (deployed here only), or removed there already
            }
            if (runtime.type(name).isPresent()) {
                return; // deployed again meanwhile; that deployment publishes itself
            }
            if (!basedOnCurrent(name, cur)) {
                superseded(name, "(removal)", cur.entry);
                return;
            }
            publish(name, cur, ModuleEntry.removed(name, cur.entry.version() + 1, member), "(removal)");
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the undeployment of type '" + name + "' on member " + member + " could not be published to "
                    + MAP + ": " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether this member's change is based on the entry it last saw (none: the map must have none either). */
    private boolean basedOnCurrent(String name, Current cur) {
        Long k = known.get(name);
        return cur.entry == null ? true : k != null && k == cur.entry.version();
    }

    private void publish(String name, Current cur, ModuleEntry entry, String what) {
        beforePublish.run();
        byte[] encoded = entry.encode();
        boolean won;
        if (cur.raw == null) {
            if (map.size() >= maxTypes) {
                LOG.log(Level.ERROR, "type '" + name + "' (module " + what + ") on member " + member + " is not rolled out: "
                        + MAP + " holds " + map.size() + " types, the most it may (max_types " + maxTypes + ")");
                return;
            }
            won = map.putIfAbsent(name, encoded) == null;
        } else {
            won = map.replace(name, cur.raw, encoded);
        }
        if (won) {
            known.put(name, entry.version());
            markTombstone(name, entry);
            LOG.log(Level.INFO, "member " + member + " rolls out type '" + name + "': module " + entry.label() + " (version "
                    + entry.version() + ")");
        } else {
            superseded(name, what, read(name).entry);
        }
    }

    private void superseded(String name, String mine, ModuleEntry winner) {
        LOG.log(Level.WARNING, "the change of type '" + name + "' to module " + mine + " on member " + member + " is superseded"
                + " by module " + (winner == null ? "(none)" : winner.label() + " (version " + winner.version()
                + ", from member " + winner.origin() + ")") + ", published to the cluster first; this member applies that");
        changed(name);
    }

    // ---- applying: the map's changes ------------------------------------------------------------

    /** Queues an apply of the type's current entry unless one is queued already. */
    void changed(String type) {
        failed.remove(type); // a new entry (or a new look at it) may apply
        synchronized (pending) {
            if (closed || !pending.add(type)) {
                return;
            }
        }
        try {
            worker.execute(() -> {
                synchronized (pending) {
                    pending.remove(type);
                    applying = type;
                }
                try {
                    beforeApply.run();
                    apply(type);
                } catch (Throwable e) { // the worker must survive anything one entry does
                    failed.add(type);
                    LOG.log(Level.ERROR, "applying type '" + type + "' of " + MAP + " on member " + member + " failed: " + e, e);
                    if (e instanceof VirtualMachineError) {
                        throw (VirtualMachineError) e;
                    }
                } finally {
                    applying = null;
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (pending) {
                pending.remove(type); // closed meanwhile
            }
        }
    }

    private void apply(String name) {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            ModuleEntry entry = read(name).entry;
            if (entry == null) {
                return; // not in the map (cleared): nothing to apply
            }
            markTombstone(name, entry);
            Optional<ActorType> local = runtime.type(name);
            known.put(name, entry.version()); // before deploying: the listener (this thread) compares with it
            if (entry.describes(local.orElse(null))) {
                return;
            }
            if (entry.isTombstone()) {
                deployer.undeploy(name);
                LOG.log(Level.INFO, "type '" + name + "' undeployed on member " + member + " as member " + entry.origin()
                        + " did (version " + entry.version() + ")");
                return;
            }
            DeployRequest request = DeployRequest.of(name, entry.moduleName(), entry.bytes()).withLimits(entry.limits())
                    .withHostNamespaces(entry.hostNamespaces()).withEnvironment(entry.environment());
            DeployResult r = deployer.deploy(request);
            LOG.log(Level.INFO, "type '" + name + "' " + (r.isHotSwap() ? "updated" : "deployed") + " on member " + member
                    + ": module " + entry.label() + " from member " + entry.origin() + " (version " + entry.version() + ")");
        } catch (DeploymentException e) {
            if (e.reason() == DeploymentException.Reason.CONFLICT) {
                changed(name); // changed here meanwhile: look again
            } else {
                failed.add(name);
            }
            LOG.log(e.reason() == DeploymentException.Reason.CONFLICT ? Level.DEBUG : Level.ERROR, "member " + member
                    + " cannot apply the cluster's module for type '" + name + "': " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            failed.add(name);
            LOG.log(Level.ERROR, "member " + member + " cannot apply the cluster's module for type '" + name + "': "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void markTombstone(String name, ModuleEntry entry) {
        if (entry.isTombstone()) {
            tombstones.add(name);
        } else {
            tombstones.remove(name);
        }
    }

    // ---- types on their way: the router's question ----------------------------------------------

    /**
     * {@inheritDoc} Applying while an apply of the type is queued or running; otherwise, when the map holds a
     * live entry for it that this member has not failed to apply, its change event has not reached this member
     * yet: the apply is queued now.
     */
    @Override
    public Status status(String type) {
        if (closed || runtime.type(type).isPresent()) {
            return Status.UNKNOWN; // deployed here (the caller looks again), or no longer rolling out
        }
        synchronized (pending) {
            if (pending.contains(type) || type.equals(applying)) {
                return Status.APPLYING;
            }
        }
        if (failed.contains(type)) {
            return Status.FAILED;
        }
        if (tombstones.contains(type) || !map.containsKey(type)) {
            return Status.UNKNOWN;
        }
        changed(type);
        return Status.APPLYING;
    }

    private record Current(byte[] raw, ModuleEntry entry) {}

    private Current read(String name) {
        byte[] raw = map.get(name);
        return new Current(raw, raw == null ? null : ModuleEntry.decode(name, raw, maxModuleBytes.getAsLong()));
    }

    /** Marks the type of every added or updated entry as changed; the event thread returns at once. */
    private final class Changes implements EntryAddedListener<String, byte[]>, EntryUpdatedListener<String, byte[]> {
        @Override
        public void entryAdded(EntryEvent<String, byte[]> event) {
            changed(event.getKey());
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> event) {
            changed(event.getKey());
        }
    }

    /** Whether no apply is queued or running (tests wait for it). */
    boolean idle() {
        synchronized (pending) {
            return pending.isEmpty() && worker.getActiveCount() == 0 && worker.getQueue().isEmpty();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            hazelcast.getUserContext().remove(USER_CONTEXT_KEY, this);
        } catch (RuntimeException e) {
            // the member is stopping: its context goes with it
        }
        UUID id = listenerId;
        if (id != null) {
            try {
                map.removeEntryListener(id);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "removing the " + MAP + " listener on member " + member + ": " + e);
            }
        }
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "the module rollout worker of member " + member + " did not stop within "
                        + CLOSE_WAIT_MILLIS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
