package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.benchmarks.Guests;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Many-actor throughput (target &gt; 100K msg/s): 64-byte {@code echo} messages spread over
 * {@code actors} (1000) testbed actors, all activated in the setup. Each benchmark invocation sends
 * {@value #BATCH} {@code ActorRef.invoke}s from one thread, round-robin over the actors (so with 1000
 * actors, one message each), and waits for all; one op = one message. The runtime runs turns on one
 * worker per core. Baselines in the same run, same compiled module: {@code bareInstances}, as many bare
 * {@link WapcInstance}s invoked round-robin by one thread, and {@code bareInstances2Threads}, two threads
 * with half of them each (what the machine's two cores do without a runtime).
 *
 * <p>Each testbed instance has 17 pages (1.06 MiB) of linear memory, so the heap is 3 GiB.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class ManyActorThroughputBenchmark {
    /** Messages per benchmark invocation (one op each). */
    static final int BATCH = 1000;

    /** How many actors the batch is spread over (round-robin); the target is about 1000. */
    @State(Scope.Benchmark)
    public static class Shape {
        @Param({"1000"})
        public int actors;
    }

    /** The runtime with its actors active. */
    @State(Scope.Benchmark)
    public static class Runtime {
        ActorBench bench;
        ActorRef[] refs;
        byte[] payload;
        int actors;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp(Shape shape) {
            actors = shape.actors;
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            bench.deploy("testbed", ActorBench.TESTBED);
            refs = new ActorRef[actors];
            @SuppressWarnings("unchecked")
            CompletableFuture<byte[]>[] first = new CompletableFuture[actors];
            for (int i = 0; i < actors; i++) {
                refs[i] = bench.runtime.ref("testbed", "a" + i);
                first[i] = refs[i].invoke("echo", payload).toCompletableFuture();
            }
            ActorBench.awaitAll(first, actors);
            for (ActorRef r : refs) {
                ActorBench.checkEcho(r, payload);
            }
            Guests.check(bench.runtime.activeActors() == actors, "all " + actors + " actors active, got "
                    + bench.runtime.activeActors());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Guests.check(bench.runtime.activeActors() == actors, "no actor was passivated during the run");
            bench.close();
        }
    }

    /** One benchmark thread's share of the bare instances. */
    @State(Scope.Thread)
    public static class Bare {
        ActorBench bench;
        WapcInstance[] instances;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp(Shape shape, BenchmarkParams params) {
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            CompiledModule compiled = bench.install(ActorBench.TESTBED);
            instances = new WapcInstance[Math.max(1, shape.actors / params.getThreads())];
            for (int i = 0; i < instances.length; i++) {
                instances[i] = bench.host.instantiate(compiled, InstanceOptions.labelled("bare" + i));
                Guests.check(Arrays.equals(instances[i].invoke("echo", payload), payload), "bare echo");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (WapcInstance i : instances) {
                i.close();
            }
            bench.close();
        }

        byte[] round() {
            byte[] last = null;
            int n = instances.length;
            for (int k = 0; k < BATCH; k++) {
                last = instances[k % n].invoke("echo", payload);
            }
            return last;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] actors(Runtime rt) {
        int n = rt.actors;
        for (int i = 0; i < BATCH; i++) {
            rt.batch[i] = rt.refs[i % n].invoke("echo", rt.payload).toCompletableFuture();
        }
        return ActorBench.awaitAll(rt.batch, BATCH);
    }

    /**
     * The same round-robin, but one blocking {@code ActorRef.call} at a time: each idle actor's turn runs
     * on the calling thread (the caller-runs fast path), so this compares with {@code bareInstances}.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] actorsCall(Runtime rt) {
        int n = rt.actors;
        byte[] last = null;
        for (int i = 0; i < BATCH; i++) {
            last = rt.refs[i % n].call("echo", rt.payload);
        }
        return last;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareInstances(Bare bare) {
        return bare.round();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Threads(2)
    public byte[] bareInstances2Threads(Bare bare) {
        return bare.round();
    }
}
