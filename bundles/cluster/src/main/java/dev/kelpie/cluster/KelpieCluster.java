package dev.kelpie.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.cluster.ClusterView;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
    private final ClusterNode node;
    private final ClusterSettings settings;
    private volatile boolean closed;

    private KelpieCluster(HazelcastInstance hazelcast, ClusterNode node, ClusterSettings settings) {
        this.hazelcast = hazelcast;
        this.node = node;
        this.settings = settings;
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
        Objects.requireNonNull(settings, "cluster settings");
        Objects.requireNonNull(runtime, "actor runtime");
        ClassLoader loader = classLoader != null ? classLoader : KelpieCluster.class.getClassLoader();
        HazelcastInstance hz = startMember(settings, loader);
        try {
            return new KelpieCluster(hz, new ClusterNode(hz, runtime, settings), settings);
        } catch (RuntimeException | Error e) {
            hz.getLifecycleService().terminate();
            throw e;
        }
    }

    /**
     * Starts the Hazelcast member on a thread of its own (Hazelcast finds its services through the thread's
     * context class loader: its own bundle's) and waits at most the start timeout; a member that starts
     * later than that is shut down as soon as it is up.
     */
    private static HazelcastInstance startMember(ClusterSettings settings, ClassLoader loader) {
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
        return node.view();
    }

    /** The router to give the actor runtime. */
    public ActorRouter router() {
        return node;
    }

    public ClusterSettings settings() {
        return settings;
    }

    /** The text of {@code kelpie:where}: where the actor lives and whether it is active there. */
    public String where(ActorId id) {
        return node.where(id, Duration.ofSeconds(5)).toString();
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
        node.close();
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
