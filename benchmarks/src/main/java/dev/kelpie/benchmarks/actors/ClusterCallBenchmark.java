package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.cluster.KelpieCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Remote calls between two cluster members in this JVM on loopback (issue 11): member A calls a testbed
 * actor whose partition member B owns, {@code echo} of 64 bytes, so each call is a Hazelcast round trip
 * A &rarr; B &rarr; A over TCP on 127.0.0.1 (serialisation, B's call thread, the actor's turn). Baselines in
 * the same run: the same call from A to an actor A owns ({@code localInCluster}: the router's is-local check
 * only), and on a single node without a cluster ({@code singleNode}). Latency in SampleTime mode (p50/p99
 * per call, one caller); throughput with 4 calling threads, each on its own actor.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ClusterCallBenchmark {
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    static {
        HAZELCAST_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** Two members and a single node, shared by every thread. */
    @State(Scope.Benchmark)
    public static class Nodes {
        ActorBench a;
        ActorBench b;
        ActorBench single;
        KelpieCluster clusterA;
        KelpieCluster clusterB;
        byte[] payload;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            payload = ActorBench.payload(64);
            int pa = freePort();
            int pb = freePort();
            String name = "bench-" + UUID.randomUUID();
            String members = "127.0.0.1:" + pa + ",127.0.0.1:" + pb;
            a = new ActorBench();
            b = new ActorBench();
            single = new ActorBench();
            for (ActorBench n : new ActorBench[] {a, b, single}) {
                n.deploy("testbed", ActorBench.TESTBED);
            }
            clusterA = KelpieCluster.builder().name(name).host("127.0.0.1").port(pa).members(members).start(a.runtime);
            a.runtime.bindRouter(clusterA.router());
            clusterB = KelpieCluster.builder().name(name).host("127.0.0.1").port(pb).members(members).start(b.runtime);
            b.runtime.bindRouter(clusterB.router());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (clusterA.view().members().size() != 2 || clusterB.view().members().size() != 2) {
                Guests.check(System.nanoTime() < deadline, "the two members formed a cluster within 60 s");
                sleep();
            }
        }

        /** An actor {@code testbed:prefix-N} whose partition {@code owner} owns, as seen from A. */
        ActorRef ownedBy(KelpieCluster owner, String prefix) {
            for (int i = 0; i < 100_000; i++) {
                ActorId id = new ActorId("testbed", prefix + "-" + i);
                boolean local = owner.view().ownerOf(id).map(ClusterMember::local).orElse(false);
                if (local) {
                    ActorRef ref = a.runtime.ref(id);
                    Guests.check(Arrays.equals(ref.call("echo", payload), payload), "echo through " + id);
                    return ref;
                }
            }
            throw new IllegalStateException("no actor of 100000 owned by " + owner.settings().address());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            a.runtime.unbindRouter(clusterA.router());
            b.runtime.unbindRouter(clusterB.router());
            clusterB.close();
            clusterA.close();
            a.close();
            b.close();
            single.close();
        }
    }

    /** Each thread's own actors: one on B (remote from A), one on A, one on the single node. */
    @State(Scope.Thread)
    public static class Actors {
        ActorRef remote;
        ActorRef local;
        ActorRef single;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp(Nodes nodes) {
            String prefix = "t" + nodes.threads.incrementAndGet();
            remote = nodes.ownedBy(nodes.clusterB, prefix + "-remote");
            local = nodes.ownedBy(nodes.clusterA, prefix + "-local");
            single = nodes.single.runtime.ref("testbed", prefix);
            payload = nodes.payload;
            Guests.check(Arrays.equals(single.call("echo", payload), payload), "single-node echo");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public byte[] remoteLatency(Actors actors) {
        return actors.remote.call("echo", actors.payload);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public byte[] localInClusterLatency(Actors actors) {
        return actors.local.call("echo", actors.payload);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public byte[] singleNodeLatency(Actors actors) {
        return actors.single.call("echo", actors.payload);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(4)
    public byte[] remoteThroughput(Actors actors) {
        return actors.remote.call("echo", actors.payload);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(4)
    public byte[] singleNodeThroughput(Actors actors) {
        return actors.single.call("echo", actors.payload);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
