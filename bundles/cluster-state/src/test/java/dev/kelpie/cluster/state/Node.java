package dev.kelpie.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.cluster.ClusterSettings;
import dev.kelpie.cluster.KelpieCluster;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.MvStoreStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One cluster member of a test: a Hazelcast member on loopback started as users start it
 * ({@link KelpieCluster#startMember}, the production configuration), its own MVStore as the local copy, the
 * clustered store and a Kelpie runtime with a native counter actor type.
 */
final class Node implements AutoCloseable {
    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    static final ClusterStateSettings SETTINGS = ClusterStateSettings.DEFAULTS.withOperationTimeout(Duration.ofSeconds(5));

    final int port;
    final KelpieCluster cluster;
    final HazelcastInstance hz;
    final MvStoreStateStore local;
    final ClusteredStateStore store;
    final KelpieActorRuntime runtime;
    private boolean terminated;

    /** Starts a member on {@code port} joining {@code members} (ports), with its local copy in {@code dataDir}. */
    Node(String clusterName, int port, List<Integer> members, Path dataDir) {
        this(clusterName, port, members, dataDir, SETTINGS);
    }

    Node(String clusterName, int port, List<Integer> members, Path dataDir, ClusterStateSettings settings) {
        this.port = port;
        this.cluster = KelpieCluster.startMember(settings(clusterName, port, members), null);
        this.hz = cluster.hazelcast();
        MvStoreStateStore l = null;
        ClusteredStateStore s = null;
        try {
            l = new MvStoreStateStore(dataDir);
            s = new ClusteredStateStore(hz, l, settings);
            this.runtime = new KelpieActorRuntime(REGISTRY, new ChicoryWapcHost(WapcSettings.DEFAULTS), s,
                    RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofSeconds(1)));
            runtime.deploy(ActorType.nativeType("counter", Counter::new, ActorLimits.DEFAULTS
                    .withInvocationTimeout(Duration.ofSeconds(10))));
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            if (l != null) {
                l.close();
            }
            hz.getLifecycleService().terminate();
            throw e;
        }
        this.local = l;
        this.store = s;
    }

    /**
     * The member's settings: loopback, every test member listed, a short failure detection (6 s: the failover
     * tests wait for it) and no join wait.
     */
    static ClusterSettings settings(String clusterName, int port, List<Integer> members) {
        return ClusterSettings.DEFAULTS.withName(clusterName).withAddress("127.0.0.1", port)
                .withMembers(members.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.toList()))
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(6), Duration.ZERO);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Member member() {
        return hz.getCluster().getLocalMember();
    }

    String name() {
        return "127.0.0.1:" + port;
    }

    boolean alive() {
        return !terminated && hz.getLifecycleService().isRunning();
    }

    /** Kills the member (no graceful migration) and then closes the rest. */
    void terminate() {
        terminated = true;
        hz.getLifecycleService().terminate();
        closeQuietly();
    }

    @Override
    public void close() {
        if (!terminated) {
            terminated = true;
            runtime.close(); // passivates first, while the member still runs
            store.close();
            cluster.close();
            local.close();
        }
    }

    private void closeQuietly() {
        try {
            runtime.close();
        } catch (RuntimeException ignored) {
            // the member is gone: passivation commits fail, as they should
        }
        store.close();
        try {
            local.close();
        } catch (RuntimeException ignored) {
            // reported by the store's own tests
        }
    }

    /** A counter: {@code increment} adds one and answers the new value, {@code get} answers it. */
    static final class Counter implements Actor {
        @Override
        public byte[] receive(ActorContext context, String operation, byte[] payload) {
            long value = context.state().get("count").map(b -> Long.parseLong(new String(b, StandardCharsets.UTF_8)))
                    .orElse(0L);
            if (operation.equals("increment")) {
                value++;
                context.state().put("count", Long.toString(value).getBytes(StandardCharsets.UTF_8));
            } else if (!operation.equals("get")) {
                throw new IllegalArgumentException("unknown operation " + operation);
            }
            return Long.toString(value).getBytes(StandardCharsets.UTF_8);
        }
    }
}
