package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.benchmarks.RawWapcHost;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-actor throughput (target &gt; 500K msg/s): 64-byte waPC {@code echo} messages to ONE testbed
 * actor, pipelined: each benchmark invocation sends {@value #BATCH} {@code ActorRef.invoke}s and then
 * waits for all of them (blocking once, on the last reply: one actor answers in order), so one op = one
 * message. {@code actorAwaitEach} is the same but blocks on every reply in turn. Baselines in the same run, on the same compiled module:
 * {@code bareInstance}, the same number of echoes through one {@link WapcInstance#invoke} in a loop (no
 * actor runtime), and {@code rawChicory}, the same through {@link RawWapcHost}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class SingleActorThroughputBenchmark {
    static final int BATCH = 1000;
    static final byte[] ECHO = "echo".getBytes(StandardCharsets.UTF_8);

    ActorBench bench;
    ActorRef actor;
    WapcInstance bare;
    RawWapcHost raw;
    byte[] payload;
    @SuppressWarnings("unchecked")
    final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

    @Setup(Level.Trial)
    public void setUp() {
        payload = ActorBench.payload(64);
        bench = new ActorBench();
        CompiledModule compiled = bench.deploy("testbed", ActorBench.TESTBED);
        actor = bench.runtime.ref("testbed", "single");
        ActorBench.checkEcho(actor, payload); // activates it
        bare = bench.host.instantiate(compiled, InstanceOptions.labelled("bare"));
        Guests.check(Arrays.equals(bare.invoke("echo", payload), payload), "bare echo");
        raw = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), null, true);
        Guests.check(Arrays.equals(raw.call(ECHO, payload), payload), "raw echo");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bare.close();
        bench.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] actor() {
        for (int i = 0; i < BATCH; i++) {
            batch[i] = actor.invoke("echo", payload).toCompletableFuture();
        }
        return ActorBench.awaitInOrder(batch, BATCH);
    }

    /**
     * The same batch, but the caller then blocks on each reply in turn: the worker pays a thread wake-up
     * for most replies. Not a baseline: it shows what a client's way of waiting costs the runtime.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] actorAwaitEach() {
        for (int i = 0; i < BATCH; i++) {
            batch[i] = actor.invoke("echo", payload).toCompletableFuture();
        }
        return ActorBench.awaitEach(batch, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareInstance() {
        byte[] last = null;
        for (int i = 0; i < BATCH; i++) {
            last = bare.invoke("echo", payload);
        }
        return last;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] rawChicory() {
        byte[] last = null;
        for (int i = 0; i < BATCH; i++) {
            last = raw.call(ECHO, payload);
        }
        return last;
    }
}
