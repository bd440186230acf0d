package dev.kelpie.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.cluster.TypeRollout;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kelpie's part of one member: the router the runtime sends messages through, the serving side of routed
 * messages, and placement (activations whose partition moved away are passivated). Its own timer thread
 * runs timeouts, retries and placement scans, never a Hazelcast event thread.
 */
final class ClusterNode implements ActorRouter, AutoCloseable {
    static final String USER_CONTEXT_KEY = "kelpie.cluster.node";
    private static final System.Logger LOG = System.getLogger("kelpie.cluster");
    /** How long after a membership or migration event the placement scan runs (events come in bursts). */
    private static final long SCAN_DELAY_MILLIS = 100;
    /** The cluster's module map (cluster-modules' rollout): asked while this member's rollout has not started. */
    static final String MODULES_MAP = "kelpie.modules";
    /** How often a message waiting for its type's local deployment looks again. */
    static final long TYPE_POLL_MILLIS = 10;

    /** Package-private hooks for tests. */
    interface TestHooks {
        TestHooks NONE = new TestHooks() {
        };

        /** Whether the serving side answers "moved" for this actor although it owns it. */
        default boolean answerMoved(ActorId id) {
            return false;
        }

        /** A call followed its actor for the {@code moves}-th time. */
        default void moved(ActorId id, int moves) {
        }
    }

    private final HazelcastInstance hazelcast;
    private final ActorRuntime runtime;
    private final ClusterSettings settings;
    private final HazelcastClusterView view;
    private final IExecutorService calls;
    private final ScheduledThreadPoolExecutor scheduler;
    private final AtomicBoolean scanPending = new AtomicBoolean();
    private final UUID membershipRegistration;
    private final UUID migrationRegistration;
    private final String localAddress;
    /** Calls on their way to another member (failed when this member leaves). */
    private final java.util.Set<RemoteCall> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    volatile TestHooks testHooks = TestHooks.NONE;

    ClusterNode(HazelcastInstance hazelcast, HazelcastClusterView view, ActorRuntime runtime, ClusterSettings settings) {
        this.hazelcast = hazelcast;
        this.runtime = runtime;
        this.settings = settings;
        this.view = view;
        this.calls = hazelcast.getExecutorService(HazelcastConfigs.CALLS);
        this.localAddress = HazelcastClusterView.address(hazelcast.getCluster().getLocalMember());
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kelpie-cluster-" + localAddress);
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                scheduleScan();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                scheduleScan();
            }
        });
        this.migrationRegistration = hazelcast.getPartitionService().addMigrationListener(new MigrationListener() {
            @Override
            public void migrationStarted(MigrationState state) {
            }

            @Override
            public void migrationFinished(MigrationState state) {
                scheduleScan();
            }

            @Override
            public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
                if (event.getReplicaIndex() == 0) {
                    scheduleScan();
                }
            }

            @Override
            public void replicaMigrationFailed(ReplicaMigrationEvent event) {
            }
        });
        hazelcast.getUserContext().put(USER_CONTEXT_KEY, this);
    }

    /** The node serving on a Hazelcast member, or null when there is none (starting or stopped). */
    static ClusterNode of(HazelcastInstance hazelcast) {
        return hazelcast == null ? null : (ClusterNode) hazelcast.getUserContext().get(USER_CONTEXT_KEY);
    }

    // ---- routing (ActorRouter) ----

    @Override
    public CompletionStage<byte[]> route(ActorId id, String operation, byte[] payload, Duration maxWait) {
        return route(id, operation, payload, maxWait, List.of());
    }

    @Override
    public CompletionStage<byte[]> route(ActorId id, String operation, byte[] payload, Duration maxWait,
            List<ActorId> callChain) {
        Member owner;
        try {
            owner = closed ? null : view.owner(id);
        } catch (HazelcastInstanceNotActiveException stopped) {
            owner = null;
        }
        if (owner == null && (closed || !hazelcast.getLifecycleService().isRunning())) {
            return CompletableFuture.failedFuture(new ActorInvocationException(id, operation, Reason.UNAVAILABLE,
                    "this member (" + localAddress + ") left the cluster; the message did not run"));
        }
        if (owner != null && owner.localMember()) {
            return null; // the common case in a one-member cluster and for a third of the actors of three
        }
        if (callChain.size() > RemoteInvocation.MAX_CALL_CHAIN) {
            return CompletableFuture.failedFuture(new ActorInvocationException(id, operation, Reason.RESOURCE_EXHAUSTED,
                    "the call chain is " + callChain.size() + " actors deep, more than the " + RemoteInvocation.MAX_CALL_CHAIN
                    + " a message routed to another member may carry; the message did not run"));
        }
        long timeoutNanos = maxWait.toNanos();
        if (!settings.callTimeout().isZero()) {
            timeoutNanos = Math.min(timeoutNanos, settings.callTimeout().toNanos());
        }
        RemoteCall call = new RemoteCall(this, id, operation, payload.clone(), callChain, timeoutNanos);
        inFlight.add(call);
        call.result.whenComplete((v, t) -> inFlight.remove(call));
        if (closed) {
            call.leaving();
            return call.result;
        }
        return call.start(owner);
    }

    // ---- serving routed messages ----

    /** Runs a message routed here on this member's runtime, or answers "moved" when the actor is not ours. */
    RemoteReply serve(String type, String idPart, String operation, byte[] payload, List<ActorId> callChain,
            long waitMillis) {
        ActorId id;
        try {
            id = new ActorId(type, idPart);
        } catch (IllegalArgumentException e) {
            return RemoteReply.failed(Reason.BAD_OPERATION, "a routed message names no valid actor: " + e.getMessage());
        }
        if (testHooks.answerMoved(id) || !view.isLocal(id)) {
            Member owner = view.owner(id);
            return RemoteReply.moved("member " + localAddress + " does not own the actor's partition"
                    + (owner == null ? " (it has no owner now)" : " (its owner is " + HazelcastClusterView.address(owner) + ")"));
        }
        long startNanos = System.nanoTime();
        RemoteReply notHere = awaitType(id, waitMillis);
        if (notHere != null) {
            return notHere;
        }
        waitMillis = Math.max(1, waitMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        CompletableFuture<byte[]> reply;
        try {
            reply = runtime.invokeLocal(id, operation, payload, callChain).toCompletableFuture();
        } catch (RuntimeException e) {
            return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress + " could not take the message: " + e);
        }
        try {
            return RemoteReply.ok(reply.get(Math.max(1, waitMillis), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ActorInvocationException) {
                ActorInvocationException aie = (ActorInvocationException) e.getCause();
                return RemoteReply.failed(aie.reason(), aie.detail());
            }
            return RemoteReply.failed(Reason.ACTOR_ERROR, "on member " + localAddress + ": " + e.getCause());
        } catch (TimeoutException e) {
            return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress + " had no answer within " + waitMillis
                    + " ms; the message may still run: its outcome is unknown");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress
                    + " is stopping; the message may still run: its outcome is unknown");
        }
    }

    /**
     * When the actor's type is not deployed here but the cluster knows it (this member is still applying the
     * cluster's modules: it just joined, or the type is new), waits for the local deployment, within the
     * caller's bound less a margin for the answer's way back. Returns null when the message can run here now,
     * or when the type is unknown in the cluster too ({@code invokeLocal} then answers {@code unknown_type} at
     * once); otherwise the UNAVAILABLE answer naming this member and the type (the message did not run).
     */
    private RemoteReply awaitType(ActorId id, long waitMillis) {
        String type = id.namespace();
        if (runtime.type(type).isPresent()) {
            return null;
        }
        long margin = Math.min(200, waitMillis / 4);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMillis - margin));
        long started = System.nanoTime();
        while (runtime.type(type).isEmpty()) {
            TypeRollout.Status status = typeStatus(type);
            if (status == TypeRollout.Status.UNKNOWN || closed) {
                return null;
            }
            if (status == TypeRollout.Status.FAILED) {
                return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress + " cannot run actor type '" + type
                        + "': it failed to deploy the cluster's module for it (its log says why); the message did not run");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress + " owns the actor but has not yet "
                        + "deployed actor type '" + type + "', which the cluster's module rollout is applying there; waited "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms; the message did not run: retry");
            }
            try {
                Thread.sleep(Math.max(1, Math.min(TYPE_POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return RemoteReply.failed(Reason.UNAVAILABLE, "member " + localAddress + " is stopping; the message did not run");
            }
        }
        return null;
    }

    /**
     * Where a type not deployed here stands: the module rollout's answer when it runs on this member; before it
     * started, whether the cluster's module map holds the type (then its catch-up will deploy it).
     */
    private TypeRollout.Status typeStatus(String type) {
        try {
            Object rollout = hazelcast.getUserContext().get(TypeRollout.USER_CONTEXT_KEY);
            if (rollout instanceof TypeRollout) {
                return ((TypeRollout) rollout).status(type);
            }
            return hazelcast.getMap(MODULES_MAP).containsKey(type) ? TypeRollout.Status.APPLYING : TypeRollout.Status.UNKNOWN;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "member " + localAddress + ": whether the cluster knows type '" + type
                    + "' could not be learnt: " + e);
            return TypeRollout.Status.UNKNOWN;
        }
    }

    boolean isActiveHere(ActorId id) {
        return runtime.actors().stream().anyMatch(a -> a.id().equals(id));
    }

    // ---- placement ----

    private void scheduleScan() {
        if (scanPending.compareAndSet(false, true)) {
            try {
                scheduler.schedule(this::passivateMovedAway, SCAN_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                scanPending.set(false);
            }
        }
    }

    /** Passivates the local activations whose partition another member owns now. */
    void passivateMovedAway() {
        scanPending.set(false);
        int passivated = 0;
        try {
            for (ActiveActor a : runtime.actors()) {
                Member owner = view.owner(a.id());
                if (owner != null && !owner.localMember()) {
                    runtime.deactivate(a.id());
                    passivated++;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "member " + localAddress + ": the placement scan failed; the next "
                    + "membership or migration event repeats it", e);
        }
        if (passivated > 0) {
            LOG.log(System.Logger.Level.INFO, "member " + localAddress + ": passivating " + passivated
                    + " actors whose partition moved to another member");
        }
    }

    // ---- parts ----

    HazelcastClusterView view() {
        return view;
    }

    ActorRuntime runtime() {
        return runtime;
    }

    ClusterSettings settings() {
        return settings;
    }

    IExecutorService calls() {
        return calls;
    }

    ScheduledThreadPoolExecutor scheduler() {
        return scheduler;
    }

    TestHooks testHooks() {
        return testHooks;
    }

    String localAddress() {
        return localAddress;
    }

    /** Stops serving and listening; pending timeouts fire no more (their calls end when the member stops). */
    @Override
    public void close() {
        try {
            hazelcast.getUserContext().remove(USER_CONTEXT_KEY, this);
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getPartitionService().removeMigrationListener(migrationRegistration);
        } catch (RuntimeException notActive) {
            // the member is already stopping: its listeners go with it
        }
        closed = true;
        scheduler.shutdownNow();
        for (RemoteCall call : inFlight) {
            call.leaving();
        }
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
