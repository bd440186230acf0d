package dev.kelpie.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
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
 * One cluster member of a test: a Hazelcast member on loopback (TCP-IP join with an explicit member list,
 * multicast and auto-detection off, phone-home off), its own MVStore as the local copy, the clustered
 * store and a Kelpie runtime with a native counter actor type.
 */
final class Node implements AutoCloseable {
    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    static final ClusterStateSettings SETTINGS = ClusterStateSettings.DEFAULTS.withOperationTimeout(Duration.ofSeconds(5));

    final int port;
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
        this.hz = Hazelcast.newHazelcastInstance(config(clusterName, port, members));
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

    static Config config(String clusterName, int port, List<Integer> members) {
        Config c = new Config();
        c.setClusterName(clusterName);
        c.setInstanceName(clusterName + "-" + port);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.partition.count", "71");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(port).setPortAutoIncrement(false);
        n.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2)
                .setMembers(members.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.toList()));
        return c;
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
            hz.shutdown();
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
