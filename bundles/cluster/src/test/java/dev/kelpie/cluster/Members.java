package dev.kelpie.cluster;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Several cluster members in this JVM, each a Hazelcast member with its own actor runtime (real registry,
 * waPC host with the state host functions, in-memory store) on free loopback ports; closed by the test.
 */
final class Members implements AutoCloseable {
    /** Hazelcast's INFO lines (several per member start and stop) only at WARNING and above; held against GC. */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    static {
        HAZELCAST_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    private static volatile ModuleHash counter;

    final String name = "test-" + Long.toHexString(System.nanoTime());
    final List<Member> members = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Consumer<Member> deploy;
    private final Duration callTimeout;

    /** Reserves {@code capacity} ports; members are started with {@link #start()}. */
    Members(int capacity, Duration callTimeout, Consumer<Member> deploy) {
        this.deploy = deploy;
        this.callTimeout = callTimeout;
        for (int i = 0; i < capacity; i++) {
            ports.add(freePort());
        }
    }

    /** One member of the cluster. */
    static final class Member {
        final KelpieActorRuntime runtime;
        final KelpieCluster cluster;
        final dev.kelpie.api.cluster.ActorRouter router;

        Member(KelpieActorRuntime runtime, KelpieCluster cluster) {
            this.runtime = runtime;
            this.cluster = cluster;
            this.router = cluster.router();
        }

        String address() {
            return cluster.settings().address();
        }

        boolean active(ActorId id) {
            return runtime.actors().stream().anyMatch(a -> a.id().equals(id));
        }

        void stop() {
            try {
                runtime.unbindRouter(router);
                cluster.close();
            } finally {
                runtime.close();
            }
        }
    }

    /** Starts the next member (its members list names every reserved port). */
    Member start() {
        int port = ports.get(members.size());
        List<String> all = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        ClusterSettings settings = ClusterSettings.DEFAULTS.withName(name).withAddress("127.0.0.1", port).withMembers(all)
                .withCallTimeout(callTimeout)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO);
        ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        StateHostFunctions.all().forEach(host::register);
        KelpieActorRuntime runtime = new KelpieActorRuntime(REGISTRY, host, new InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofSeconds(2)));
        KelpieCluster cluster;
        try {
            cluster = KelpieCluster.builder().settings(settings).start(runtime);
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        Member m = new Member(runtime, cluster);
        members.add(m);
        deploy.accept(m);
        runtime.bindRouter(m.router);
        return m;
    }

    Member get(int i) {
        return members.get(i);
    }

    /** Waits until every started member sees all of them. */
    void awaitFormed() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (members.stream().anyMatch(m -> m.cluster.view().members().size() != members.size())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the cluster did not form within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /** The first actor {@code type:prefix-N} owned by {@code owner}. */
    static ActorId ownedBy(Member owner, String type, String prefix) {
        for (int i = 0; i < 10_000; i++) {
            ActorId id = new ActorId(type, prefix + "-" + i);
            if (owner.cluster.view().ownerOf(id).map(ClusterMember::local).orElse(false)) {
                return id;
            }
        }
        throw new AssertionError("no actor of 10000 is owned by " + owner.address());
    }

    static ModuleHash counter() {
        if (counter == null) {
            try (InputStream in = Members.class.getResourceAsStream("/wasm/rust/counter.wasm")) {
                if (in == null) {
                    throw new IllegalStateException("missing /wasm/rust/counter.wasm");
                }
                counter = REGISTRY.install("counter.wasm", in.readAllBytes()).descriptor().hash();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return counter;
    }

    static void deployCounter(Member m) {
        m.runtime.deploy(ActorType.wasm("counter", counter()));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (int i = members.size() - 1; i >= 0; i--) {
            try {
                members.get(i).stop();
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }
    }
}
