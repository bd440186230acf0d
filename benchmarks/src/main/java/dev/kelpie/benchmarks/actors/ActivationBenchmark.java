package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.benchmarks.RawWapcHost;
import dev.kelpie.wapc.WapcSettings;
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

/**
 * Activations per second (targets: &gt; 10K/s, and &ge; 3&times; a bare instantiate + invoke + close on one
 * thread) from an already compiled module. One op = the first message
 * ({@code echo}, 64 bytes) to an actor id never used before: directory entry, instance from the compiled
 * factory (with the waPC init), the turn, the reply. Each benchmark invocation activates {@value #BATCH}
 * new actors at once (pipelined, the runtime's workers activate them in parallel) and waits for all
 * replies. Passivation is off the measured path: a {@code Level.Invocation} teardown deactivates the
 * batch (JMH excludes invocation-level fixtures from the measured time), so the heap never holds more than
 * one batch of 17-page instances and the cap on active actors (set to 1M) never fires.
 *
 * <p>Baselines in the same run: {@code bareChicory}, a {@link RawWapcHost} instance (Chicory alone, its
 * {@code ByteArrayMemory}, Kelpie's memory cap) + the waPC init + one echo per op on one thread; {@code bareInstantiate}, {@code ChicoryWapcHost.instantiate} (with the
 * runtime's memory cap, memory images off: every instance runs the module's init) + one echo + {@code close}
 * per op on one thread, and {@code bareInstantiate2Threads}, the same on two threads (both cores, as the
 * runtime's two workers use them). For the memory images' share: {@code bareInstantiateImaged} (the bare
 * loop with images on) and {@code activateWithoutImages} (the runtime with images off).
 *
 * <p>Instance recycling (the waPC host's {@code instance_pool_size}, on by default): passivation closes an
 * instance, which is scrubbed back to the memory image and pooled, and the next activation takes it. The
 * scrub runs on the passivating thread, so {@code activate} does not see its cost: {@code activatePassivate}
 * (one op = activation + echo + passivation of a new actor, all timed) shows the whole lifecycle, and
 * {@code activateWithoutRecycling} / {@code activatePassivateWithoutRecycling} the same with the pool off.
 *
 * <p>Parameter {@code guest}: see {@link Guest}. The target is about {@code rust}; {@code assemblyscript}
 * is there to show where the time goes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class ActivationBenchmark {
    static final int BATCH = 200;

    /**
     * Which testbed: {@code rust} (the one the target is about: 17 pages = 1.06 MiB of linear memory per
     * instance) or {@code assemblyscript} (1 page), to separate the runtime's per-activation cost from the
     * cost of allocating and zeroing the guest's memory.
     */
    @State(Scope.Benchmark)
    public static class Guest {
        @Param({"rust", "assemblyscript"})
        public String guest;
    }

    /**
     * The waPC host's {@code instance_pool_size} for the runtimes with recycling on: the default (256, with the
     * host-wide bound of 64 MiB on what pools hold), or a smaller one such as 32 (200 actors are active at once,
     * then passivated: a pool of 32 serves 32 of the next 200).
     */
    @State(Scope.Benchmark)
    public static class Pool {
        @Param({"256"})
        public int poolSize;
    }

    /** A runtime with the testbed deployed; fresh actor ids for every batch. */
    @State(Scope.Benchmark)
    public static class Runtime {
        ActorBench bench;
        byte[] payload;
        long nextId;
        final ActorRef[] refs = new ActorRef[BATCH];
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];
        @SuppressWarnings("unchecked")
        final CompletableFuture<Boolean>[] passivated = new CompletableFuture[BATCH];

        int poolSize = WapcSettings.DEFAULT_INSTANCE_POOL_SIZE;

        /** The waPC host's settings: the defaults (memory images on), the pool size asked for. */
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withInstancePoolSize(poolSize);
        }

        @Setup(Level.Trial)
        public void setUp(Guest guest, Pool pool) {
            poolSize = pool.poolSize;
            payload = ActorBench.payload(64);
            bench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(),
                    ActorBench.settings().withMaxActiveActors(1_000_000), wapc());
            bench.deploy("testbed", ActorBench.testbed(guest.guest));
        }

        /** New ids for the next batch (never used before). */
        @Setup(Level.Invocation)
        public void nextBatch() {
            for (int i = 0; i < BATCH; i++) {
                refs[i] = bench.runtime.ref("testbed", "n" + nextId++);
            }
        }

        /** Passivates the batch and waits until it is gone (not measured). */
        @TearDown(Level.Invocation)
        public void passivateBatch() throws Exception {
            for (int i = 0; i < BATCH; i++) {
                passivated[i] = bench.runtime.deactivate(refs[i].id()).toCompletableFuture();
            }
            for (int i = 0; i < BATCH; i++) {
                Guests.check(passivated[i].get(ActorBench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                        refs[i] + " was active");
            }
            Guests.check(bench.runtime.activeActors() == 0, "every actor passivated, still active: "
                    + bench.runtime.activeActors());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    /** The same runtime with instance recycling off (memory images on). */
    @State(Scope.Benchmark)
    public static class RuntimeWithoutRecycling extends Runtime {
        @Override
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withInstancePoolSize(0);
        }
    }

    /** A runtime whose benchmark passivates its own actors (no untimed teardown). */
    @State(Scope.Benchmark)
    public static class Lifecycle {
        ActorBench bench;
        byte[] payload;
        long nextId;
        final ActorRef[] refs = new ActorRef[BATCH];
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];
        @SuppressWarnings("unchecked")
        final CompletableFuture<Boolean>[] passivated = new CompletableFuture[BATCH];

        int poolSize = WapcSettings.DEFAULT_INSTANCE_POOL_SIZE;

        /** The waPC host's settings: the defaults (memory images and recycling on), the pool size asked for. */
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withInstancePoolSize(poolSize);
        }

        @Setup(Level.Trial)
        public void setUp(Guest guest, Pool pool) {
            poolSize = pool.poolSize;
            payload = ActorBench.payload(64);
            bench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(),
                    ActorBench.settings().withMaxActiveActors(1_000_000), wapc());
            bench.deploy("testbed", ActorBench.testbed(guest.guest));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }

        /** Activates {@value #BATCH} new actors with an echo each, then passivates them, and waits for both. */
        byte[] run() throws Exception {
            for (int i = 0; i < BATCH; i++) {
                refs[i] = bench.runtime.ref("testbed", "n" + nextId++);
            }
            for (int i = 0; i < BATCH; i++) {
                batch[i] = refs[i].invoke("echo", payload).toCompletableFuture();
            }
            byte[] last = ActorBench.awaitAll(batch, BATCH);
            for (int i = 0; i < BATCH; i++) {
                passivated[i] = bench.runtime.deactivate(refs[i].id()).toCompletableFuture();
            }
            for (int i = 0; i < BATCH; i++) {
                Guests.check(passivated[i].get(ActorBench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                        refs[i] + " was active");
            }
            return last;
        }
    }

    /** {@link Lifecycle} with instance recycling off. */
    @State(Scope.Benchmark)
    public static class LifecycleWithoutRecycling extends Lifecycle {
        @Override
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withInstancePoolSize(0);
        }
    }

    /** One op = activation (first message) + passivation of a new actor, both timed. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, time = 1)
    public byte[] activatePassivate(Lifecycle rt) throws Exception {
        return rt.run();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, time = 1)
    public byte[] activatePassivateWithoutRecycling(LifecycleWithoutRecycling rt) throws Exception {
        return rt.run();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, time = 1)
    public byte[] activateWithoutRecycling(RuntimeWithoutRecycling rt) {
        for (int i = 0; i < BATCH; i++) {
            rt.batch[i] = rt.refs[i].invoke("echo", rt.payload).toCompletableFuture();
        }
        return ActorBench.awaitAll(rt.batch, BATCH);
    }

    /** The same runtime with memory images off: every activation runs the module's init. */
    @State(Scope.Benchmark)
    public static class RuntimeWithoutImages extends Runtime {
        @Override
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withMemoryImages(false);
        }
    }

    /** One benchmark thread's host (memory images off) and compiled module for the bare baseline. */
    @State(Scope.Thread)
    public static class Bare {
        ActorBench bench;
        CompiledModule compiled;
        InstanceOptions options;
        byte[] payload;

        /** The waPC host's settings: memory images off. */
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS.withMemoryImages(false);
        }

        @Setup(Level.Trial)
        public void setUp(Guest guest) {
            payload = ActorBench.payload(64);
            bench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(), ActorBench.settings(), wapc());
            compiled = bench.install(ActorBench.testbed(guest.guest));
            options = InstanceOptions.labelled("bare").withMaxMemoryBytes(ActorBench.LIMITS.maxMemoryBytes());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }

        byte[] batch() {
            byte[] last = null;
            for (int i = 0; i < BATCH; i++) {
                WapcInstance instance = bench.host.instantiate(compiled, options);
                last = instance.invoke("echo", payload);
                instance.close();
            }
            return last;
        }
    }

    /** Warmed up longer: an iteration holds few invocations, and the activation path is long to JIT-compile. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, time = 1)
    public byte[] activate(Runtime rt) {
        for (int i = 0; i < BATCH; i++) {
            rt.batch[i] = rt.refs[i].invoke("echo", rt.payload).toCompletableFuture();
        }
        return ActorBench.awaitAll(rt.batch, BATCH);
    }

    /** The bare loop with memory images on (the host's default). */
    @State(Scope.Thread)
    public static class BareImaged extends Bare {
        @Override
        WapcSettings wapc() {
            return WapcSettings.DEFAULTS;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Warmup(iterations = 10, time = 1)
    public byte[] activateWithoutImages(RuntimeWithoutImages rt) {
        for (int i = 0; i < BATCH; i++) {
            rt.batch[i] = rt.refs[i].invoke("echo", rt.payload).toCompletableFuture();
        }
        return ActorBench.awaitAll(rt.batch, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareInstantiate(Bare bare) {
        return bare.batch();
    }

    /** Chicory alone: {@link RawWapcHost} with Chicory's {@code ByteArrayMemory}, under Kelpie's memory cap. */
    @State(Scope.Thread)
    public static class BareChicory {
        ActorBench bench;
        CompiledModule compiled;
        MemoryLimits limits;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp(Guest guest) {
            payload = ActorBench.payload(64);
            bench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(), ActorBench.settings(), WapcSettings.DEFAULTS);
            compiled = bench.install(ActorBench.testbed(guest.guest));
            limits = kelpieLimits(compiled);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    /** The memory limits Kelpie gives an actor of this module: its initial pages, the runtime's default cap. */
    static MemoryLimits kelpieLimits(CompiledModule compiled) {
        return new MemoryLimits(compiled.descriptor().memory().initialPages(),
                (int) (ActorBench.LIMITS.maxMemoryBytes() / Memory.PAGE_SIZE));
    }

    /**
     * A bare Chicory instance + the waPC init + echo per op, on one thread: {@link RawWapcHost} (Chicory's own
     * {@code ByteArrayMemory}, Kelpie's cap), nothing of Kelpie's host. (A raw instance holds nothing to close.)
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareChicory(BareChicory bare) {
        byte[] op = ECHO;
        byte[] last = null;
        for (int i = 0; i < BATCH; i++) {
            RawWapcHost raw = new RawWapcHost(ChicoryModule.of(bare.compiled).wasmModule(),
                    ChicoryModule.of(bare.compiled).machineFactory(), bare.limits, true);
            last = raw.call(op, bare.payload);
        }
        return last;
    }

    private static final byte[] ECHO = "echo".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareInstantiateImaged(BareImaged bare) {
        return bare.batch();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    @Threads(2)
    public byte[] bareInstantiate2Threads(Bare bare) {
        return bare.batch();
    }
}
