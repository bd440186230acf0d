package dev.kelpie.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.api.cluster.ClusterView;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Kelpie cluster member in a plain Java program (the OSGi component uses the same): starts an embedded
 * Hazelcast member, joins the cluster, and routes an actor runtime's messages to the members that own their
 * actors once the runtime is given {@link #router()}:
 *
 * <pre>{@code
 * KelpieActorRuntime runtime = ...;
 * KelpieCluster cluster = KelpieCluster.builder().name("shop").port(5702)
 *         .members("10.0.0.1:5701,10.0.0.2:5701").host("10.0.0.2").start(runtime);
 * runtime.bindRouter(cluster.router());
 * ...
 * runtime.unbindRouter(cluster.router());
 * cluster.close();
 * }</pre>
 */
public final class KelpieCluster implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("kelpie.cluster");

    private final HazelcastInstance hazelcast;
    private final HazelcastClusterView view;
    private final ClusterSettings settings;
    /** Kelpie's part serving an actor runtime, or null while the member serves none. */
    private volatile ClusterNode node;
    private volatile boolean closed;

    private KelpieCluster(HazelcastInstance hazelcast, ClusterSettings settings) {
        this.hazelcast = hazelcast;
        this.settings = settings;
        this.view = new HazelcastClusterView(hazelcast, settings.name());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a member with these settings serving {@code runtime}'s actors; waits at most the start timeout.
     *
     * @param classLoader the loader Hazelcast resolves Kelpie's serialized messages with (this class's own
     *     when null)
     * @throws IllegalStateException when the member did not start in time or failed to (the message names
     *     its address and cluster)
     */
    public static KelpieCluster start(ClusterSettings settings, ActorRuntime runtime, ClassLoader classLoader) {
        Objects.requireNonNull(runtime, "actor runtime");
        KelpieCluster cluster = startMember(settings, classLoader);
        try {
            cluster.serve(runtime);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.hazelcast.getLifecycleService().terminate();
            throw e;
        }
    }

    /**
     * Starts a member that serves no actor runtime yet (other cluster parts, such as a clustered state store
     * the runtime itself needs, can use {@link #hazelcast()} meanwhile); {@link #serve} adds the runtime.
     */
    public static KelpieCluster startMember(ClusterSettings settings, ClassLoader classLoader) {
        Objects.requireNonNull(settings, "cluster settings");
        ClassLoader loader = classLoader != null ? classLoader : KelpieCluster.class.getClassLoader();
        return new KelpieCluster(startHazelcast(settings, loader), settings);
    }

    /**
     * Serves an actor runtime's actors from now on: routed messages run on it, its activations whose
     * partition moved away are passivated.
     *
     * @return the router to give the runtime ({@link #router()})
     * @throws IllegalStateException when the member already serves a runtime or has left
     */
    public synchronized ActorRouter serve(ActorRuntime runtime) {
        Objects.requireNonNull(runtime, "actor runtime");
        if (closed) {
            throw new IllegalStateException("cluster member " + settings.address() + " has left the cluster");
        }
        if (node != null) {
            throw new IllegalStateException("cluster member " + settings.address() + " already serves an actor runtime");
        }
        node = new ClusterNode(hazelcast, view, runtime, settings);
        return node;
    }

    /**
     * Stops serving the runtime (unbind the router from it first): messages routed here are answered
     * UNAVAILABLE until a runtime is served again; calls on their way from here fail with UNAVAILABLE.
     */
    public synchronized void stopServing() {
        ClusterNode n = node;
        node = null;
        if (n != null) {
            n.close();
        }
    }

    /**
     * Starts the Hazelcast member on a thread of its own (Hazelcast finds its services through the thread's
     * context class loader: its own bundle's) and waits at most the start timeout; a member that starts
     * later than that is shut down as soon as it is up.
     */
    private static HazelcastInstance startHazelcast(ClusterSettings settings, ClassLoader loader) {
        CompletableFuture<HazelcastInstance> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            Thread.currentThread().setContextClassLoader(HazelcastInstance.class.getClassLoader());
            try {
                HazelcastInstance hz = Hazelcast.newHazelcastInstance(HazelcastConfigs.member(settings, loader));
                if (!started.complete(hz)) {
                    hz.getLifecycleService().terminate(); // given up on meanwhile
                }
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        }, "kelpie-cluster-start-" + settings.address());
        starter.setDaemon(true);
        starter.start();
        String what = "cluster member " + settings.address() + " of cluster '" + settings.name() + "' (members "
                + String.join(",", settings.members()) + ")";
        try {
            return started.get(settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            started.cancel(false);
            throw new IllegalStateException("the " + what + " did not start within " + settings.startTimeout().toSeconds()
                    + " s (start_timeout_seconds)");
        } catch (InterruptedException e) {
            started.cancel(false);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + what + " started");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the " + what + " failed to start: " + e.getCause(), e.getCause());
        }
    }

    /** The embedded Hazelcast member (for other cluster parts: state, module rollout). */
    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    /** The cluster as this member sees it. */
    public ClusterView view() {
        return view;
    }

    /**
     * The router to give the actor runtime this member serves.
     *
     * @throws IllegalStateException when it serves none
     */
    public ActorRouter router() {
        ClusterNode n = node;
        if (n == null) {
            throw new IllegalStateException("cluster member " + settings.address() + " serves no actor runtime");
        }
        return n;
    }

    public ClusterSettings settings() {
        return settings;
    }

    /**
     * The text of {@code kelpie:where}: the member the actor lives on, and whether it is active there (the
     * owner is asked through the executor even when it is this member, within 5 s).
     *
     * @throws IllegalStateException when the owner does not answer in time
     */
    public String where(ActorId id) {
        return where(id, Duration.ofSeconds(5)).toString();
    }

    Where where(ActorId id, Duration maxWait) {
        Member owner = view.owner(id);
        if (owner == null) {
            return new Where(id, Optional.empty(), false);
        }
        ClusterMember member = HazelcastClusterView.member(owner);
        try {
            Boolean active = hazelcast.getExecutorService(HazelcastConfigs.CALLS).submitToMember(new ActiveQuery(id), owner)
                    .get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
            return new Where(id, Optional.of(member), Boolean.TRUE.equals(active));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking member " + member + " about actor " + id);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("member " + member + " did not answer within " + maxWait.toMillis()
                    + " ms whether actor " + id + " is active there: " + e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("member " + member + " could not be asked about actor " + id + ": " + e);
        }
    }

    /** An actor's home and whether it is active there. */
    record Where(ActorId id, Optional<ClusterMember> owner, boolean active) {
        @Override
        public String toString() {
            return owner.map(m -> id + " lives on member " + m.address() + (m.local() ? " (this member)" : "")
                    + ": " + (active ? "active" : "not active"))
                    .orElse(id + " has no member now: its partition is between owners; try again shortly");
        }
    }

    ClusterNode node() {
        return node;
    }

    /**
     * Leaves the cluster: calls on their way fail with UNAVAILABLE, then the member leaves gracefully (its
     * partitions go to the others), within the shutdown timeout; past it the member is terminated.
     * Unbind the router from the runtime first.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopServing();
        Thread stopper = new Thread(() -> {
            try {
                hazelcast.shutdown();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cluster member " + settings.address() + " failed to leave gracefully", e);
            }
        }, "kelpie-cluster-stop-" + settings.address());
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(settings.shutdownTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (hazelcast.getLifecycleService().isRunning() || stopper.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "cluster member " + settings.address() + " did not leave within "
                    + settings.shutdownTimeout().toSeconds() + " s (shutdown_timeout_seconds): terminating it");
            hazelcast.getLifecycleService().terminate();
        }
    }

    /** Settings of a member, starting from {@link ClusterSettings#DEFAULTS}. */
    public static final class Builder {
        private ClusterSettings settings = ClusterSettings.DEFAULTS;
        private ClassLoader classLoader;

        private Builder() {
        }

        public Builder name(String name) {
            settings = settings.withName(name);
            return this;
        }

        /** This member's address; members default to it alone until {@link #members} is given. */
        public Builder host(String host) {
            boolean alone = settings.members().equals(List.of(settings.address()));
            settings = new ClusterSettings(settings.name(), host, settings.port(),
                    alone ? List.of(host + ":" + settings.port()) : settings.members(), settings.startTimeout(),
                    settings.shutdownTimeout(), settings.callTimeout(), settings.callThreads(),
                    settings.callQueueCapacity(), settings.maxMoves(), settings.failureDetection(), settings.joinWait());
            return this;
        }

        public Builder port(int port) {
            boolean alone = settings.members().equals(List.of(settings.address()));
            settings = settings.withAddress(settings.host(), port);
            if (alone) {
                settings = settings.withMembers(List.of(settings.address()));
            }
            return this;
        }

        /** The members tried when joining, comma-separated {@code host:port}. */
        public Builder members(String csv) {
            settings = settings.withMembers(ClusterSettings.parseMembers(csv));
            return this;
        }

        public Builder settings(ClusterSettings s) {
            settings = Objects.requireNonNull(s, "cluster settings");
            return this;
        }

        public Builder classLoader(ClassLoader loader) {
            classLoader = loader;
            return this;
        }

        public ClusterSettings settings() {
            return settings;
        }

        /** Starts the member serving {@code runtime}'s actors; see {@link KelpieCluster#start}. */
        public KelpieCluster start(ActorRuntime runtime) {
            return KelpieCluster.start(settings, runtime, classLoader);
        }
    }
}
