package dev.kelpie.cluster.modules;

import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.cluster.ClusterSettings;
import dev.kelpie.cluster.KelpieCluster;
import dev.kelpie.host.actors.ActorsHostFunctions;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.DeploymentService;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One in-JVM cluster member for tests: a Hazelcast member on loopback started as users start it
 * ({@link KelpieCluster#startMember}, the production configuration) and its own Kelpie runtime and deployer.
 */
final class Member implements AutoCloseable {
    /** Hazelcast's INFO lines (joins, partitions) drown the test output; held so the level sticks. */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    static {
        HAZELCAST_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    final KelpieCluster cluster;
    final HazelcastInstance hz;
    final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxModuleBytes(4 << 20));
    final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    final KelpieActorRuntime runtime;
    final DeploymentService deployer;
    ModuleRollout rollout;
    private dev.kelpie.api.cluster.ActorRouter router;

    private Member(KelpieCluster cluster) {
        this.cluster = cluster;
        this.hz = cluster.hazelcast();
        StateHostFunctions.all().forEach(host::register);
        LogHostFunctions.all().forEach(host::register);
        ActorsHostFunctions.all().forEach(host::register);
        runtime = new KelpieActorRuntime(registry, host, new InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        deployer = new DeploymentService(registry, host, runtime);
    }

    /** Starts a member of the named cluster on the port, joining the others by TCP-IP on loopback. */
    static Member start(String cluster, int port, List<Integer> ports) {
        ClusterSettings settings = ClusterSettings.DEFAULTS.withName(cluster).withAddress("127.0.0.1", port)
                .withMembers(ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.toList()))
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO);
        return new Member(KelpieCluster.startMember(settings, null));
    }

    /** Starts this member's module rollout (as the OSGi component does once the cluster member is there). */
    Member roll(boolean shuttingDown) {
        return roll(shuttingDown, () -> {});
    }

    /** With a hook that runs on the rollout's worker before each apply, set before the rollout starts. */
    Member roll(boolean shuttingDown, Runnable beforeApply) {
        rollout = new ModuleRollout(hz, deployer, runtime, registry::maxModuleBytes, 1024, () -> shuttingDown);
        rollout.beforeApply = beforeApply;
        rollout.start();
        deployer.addListener(rollout);
        return this;
    }

    Member roll() {
        return roll(false);
    }

    /** Serves this member's runtime in the cluster: messages are routed to their actor's member. */
    Member serve() {
        router = cluster.serve(runtime);
        runtime.bindRouter(router);
        return this;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] wasm(String resource) {
        try (InputStream in = Member.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (router != null) {
                runtime.unbindRouter(router);
                cluster.stopServing();
            }
            if (rollout != null) {
                deployer.removeListener(rollout);
                rollout.close();
            }
            runtime.close();
        } finally {
            hz.getLifecycleService().terminate();
        }
    }
}
