package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.benchmarks.RawWapcHost;
import dev.kelpie.benchmarks.WapcEchoBenchmark;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.WapcSettings;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The memory-image and bulk-memory comparisons measured in <b>CPU time</b>, for a machine shared with
 * other work, where JMH's wall-clock throughput of separate forks swings by 10&times; with the load. All
 * cases run in one JVM, interleaved round by round (so load changes hit every case alike), and each round
 * is charged the CPU time of every Java thread ({@code ThreadMXBean.getThreadCpuTime}, nanosecond-precise:
 * the caller and the runtime's workers; not the JVM's own GC and JIT threads) as well as its wall time. Reported: the median per operation
 * over the measured rounds.
 *
 * <p>Activations ({@code guest} rust and assemblyscript; one op = one activation, or one instance):
 * <ul>
 *   <li>{@code bareChicory}: {@link RawWapcHost} (Chicory's {@code ByteArrayMemory}, Kelpie's memory cap, the
 *       waPC init) + echo 64 B, on the calling thread: a bare Chicory instance with nothing of Kelpie's;
 *   <li>{@code bare}: {@code ChicoryWapcHost.instantiate} with memory images off + echo 64 B + close, on
 *       the calling thread (the baseline the target is about);
 *   <li>{@code bareImaged}: the same with images on;
 *   <li>{@code activate}: the first message to 200 new actor ids, pipelined (as
 *       {@code ActivationBenchmark.activate}), images on; the batch is passivated outside the measured time;
 *   <li>{@code activateWithoutImages}: the same with images off;
 *   <li>{@code activateWithoutRecycling}: images on, instance recycling off ({@code instance_pool_size=0});
 *   <li>{@code activatePassivate} and {@code activatePassivateWithoutRecycling}: the first message to 200
 *       new actors and their passivation, both measured (recycling scrubs on the passivating thread);
 *   <li>{@code (pool 32)}: the same with a pool smaller than a batch (it serves 32 of the next 200; the default,
 *       256, serves them all).
 * </ul>
 * {@code memory}: the two memories alone under the same raw host, see {@link #memoryCases()}.
 * Echo ({@code 4096} and {@code 65536} bytes; one op = one call on one instance): Kelpie and
 * {@link RawWapcHost} on the Rust testbed built with bulk memory and as built before
 * ({@link WapcEchoBenchmark#BYTE_LOOPS}).
 *
 * <pre>java -Xms3g -Xmx3g -cp benchmarks/target/benchmarks.jar dev.kelpie.benchmarks.actors.CpuTimeProbe [rounds [rust|assemblyscript|echo|memory ...]]</pre>
 */
public final class CpuTimeProbe {
    private static final int BATCH = 200;
    private static final int WARMUP_ROUNDS = 15;
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU time of all live Java threads so far. */
    private static long cpu() {
        long sum = 0;
        for (long id : THREADS.getAllThreadIds()) {
            long t = THREADS.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum;
    }

    private CpuTimeProbe() {}

    /** One case: does {@code ops()} operations per round. */
    private interface Case {
        void round() throws Exception;

        default void after() throws Exception {}
    }

    private static final class Timed {
        final String name;
        final int ops;
        final Case body;
        final List<Double> cpu = new ArrayList<>();
        final List<Double> wall = new ArrayList<>();

        Timed(String name, int ops, Case body) {
            this.name = name;
            this.ops = ops;
            this.body = body;
        }

        void run(boolean measured) throws Exception {
            long c0 = cpu();
            long w0 = System.nanoTime();
            body.round();
            long w1 = System.nanoTime();
            long c1 = cpu();
            body.after();
            if (measured) {
                cpu.add((c1 - c0) / (double) ops);
                wall.add((w1 - w0) / (double) ops);
            }
        }

        double median(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v[v.length / 2];
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        List<String> parts = args.length > 1 ? List.of(args).subList(1, args.length)
                : List.of("rust", "assemblyscript", "echo");
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Double> wall = new LinkedHashMap<>();
        for (String part : parts) {
            measure(part.equals("echo") ? echoCases() : part.equals("memory") ? memoryCases()
                    : activationCases(part), rounds, cpu, wall);
        }
        System.out.printf("%-44s %14s %14s%n", "case", "cpu ns/op", "wall ns/op");
        for (String name : cpu.keySet()) {
            System.out.printf("%-44s %,14.0f %,14.0f%n", name, cpu.get(name), wall.get(name));
        }
        System.exit(0);
    }

    private static void measure(List<Timed> cases, int rounds, Map<String, Double> cpu, Map<String, Double> wall)
            throws Exception {
        for (int r = 0; r < WARMUP_ROUNDS + rounds; r++) {
            for (int i = 0; i < cases.size(); i++) {
                cases.get((i + r) % cases.size()).run(r >= WARMUP_ROUNDS); // rotate the order every round
            }
        }
        for (Timed t : cases) {
            cpu.put(t.name, t.median(t.cpu));
            wall.put(t.name, t.median(t.wall));
        }
    }

    private static List<Timed> activationCases(String guest) {
        String testbed = ActorBench.testbed(guest);
        byte[] payload = ActorBench.payload(64);
        List<Timed> cases = new ArrayList<>();
        ActorBench rawBench = new ActorBench(new InMemoryStateStore(), ActorBench.settings(), WapcSettings.DEFAULTS);
        CompiledModule rawCompiled = rawBench.install(testbed);
        MemoryLimits rawLimits = ActivationBenchmark.kelpieLimits(rawCompiled);
        byte[] echo = "echo".getBytes(StandardCharsets.UTF_8);
        cases.add(new Timed(guest + " bareChicory (1 thread)", BATCH, () -> {
            for (int i = 0; i < BATCH; i++) {
                RawWapcHost raw = new RawWapcHost(ChicoryModule.of(rawCompiled).wasmModule(),
                        ChicoryModule.of(rawCompiled).machineFactory(), rawLimits, true);
                Guests.check(raw.call(echo, payload).length == payload.length, "echo");
            }
        }));
        for (int pool : new int[] {0, 32, WapcSettings.DEFAULT_INSTANCE_POOL_SIZE}) {
            ActorBench runtime = new ActorBench(new InMemoryStateStore(),
                    ActorBench.settings().withMaxActiveActors(1_000_000), WapcSettings.DEFAULTS.withInstancePoolSize(pool));
            runtime.deploy("testbed", testbed);
            ActorRef[] refs = new ActorRef[BATCH];
            @SuppressWarnings("unchecked")
            CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];
            long[] next = {0};
            Case activations = () -> {
                for (int i = 0; i < BATCH; i++) {
                    refs[i] = runtime.runtime.ref("testbed", "n" + next[0]++);
                }
                for (int i = 0; i < BATCH; i++) {
                    batch[i] = refs[i].invoke("echo", payload).toCompletableFuture();
                }
                ActorBench.awaitAll(batch, BATCH);
            };
            @SuppressWarnings("unchecked")
            CompletableFuture<Boolean>[] gone = new CompletableFuture[BATCH];
            Case passivations = () -> { // pipelined, as the activations
                for (int i = 0; i < BATCH; i++) {
                    gone[i] = runtime.runtime.deactivate(refs[i].id()).toCompletableFuture();
                }
                for (int i = 0; i < BATCH; i++) {
                    Guests.check(gone[i].get(ActorBench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS), "active");
                }
            };
            String suffix = pool == 0 ? "WithoutRecycling" : pool == WapcSettings.DEFAULT_INSTANCE_POOL_SIZE ? ""
                    : " (pool " + pool + ")";
            if (pool != WapcSettings.DEFAULT_INSTANCE_POOL_SIZE) { // with the default pool, "activate" below is this case
                cases.add(new Timed(guest + " activate" + suffix, BATCH, new Case() {
                    @Override
                    public void round() throws Exception {
                        activations.round();
                    }

                    @Override
                    public void after() throws Exception {
                        passivations.round();
                    }
                }));
            }
            cases.add(new Timed(guest + " activatePassivate" + suffix, BATCH, () -> {
                activations.round();
                passivations.round();
            }));
        }
        for (boolean images : new boolean[] {false, true}) {
            ActorBench bare = new ActorBench(new InMemoryStateStore(), ActorBench.settings(),
                    WapcSettings.DEFAULTS.withMemoryImages(images));
            CompiledModule compiled = bare.install(testbed);
            InstanceOptions options = InstanceOptions.labelled("bare").withMaxMemoryBytes(ActorBench.LIMITS.maxMemoryBytes());
            cases.add(new Timed(guest + " bare" + (images ? "Imaged" : "") + " (1 thread)", BATCH, () -> {
                for (int i = 0; i < BATCH; i++) {
                    WapcInstance instance = bare.host.instantiate(compiled, options);
                    Guests.check(instance.invoke("echo", payload).length == payload.length, "echo");
                    instance.close();
                }
            }));
            ActorBench runtime = new ActorBench(new InMemoryStateStore(),
                    ActorBench.settings().withMaxActiveActors(1_000_000), WapcSettings.DEFAULTS.withMemoryImages(images));
            runtime.deploy("testbed", testbed);
            ActorRef[] refs = new ActorRef[BATCH];
            @SuppressWarnings("unchecked")
            CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];
            long[] next = {0};
            cases.add(new Timed(guest + " activate" + (images ? "" : "WithoutImages"), BATCH, new Case() {
                @Override
                public void round() {
                    for (int i = 0; i < BATCH; i++) {
                        refs[i] = runtime.runtime.ref("testbed", "n" + next[0]++);
                    }
                    for (int i = 0; i < BATCH; i++) {
                        batch[i] = refs[i].invoke("echo", payload).toCompletableFuture();
                    }
                    ActorBench.awaitAll(batch, BATCH);
                }

                @Override
                public void after() throws Exception {
                    for (int i = 0; i < BATCH; i++) {
                        runtime.runtime.deactivate(refs[i].id()).toCompletableFuture()
                                .get(ActorBench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                }
            }));
        }
        return cases;
    }

    /**
     * Kelpie's {@code PagedMemory} (package-private: made by reflection) for a {@link RawWapcHost}, so that
     * the two memories can be compared with everything else equal.
     */
    @SuppressWarnings("unchecked")
    static java.util.function.Function<MemoryLimits, com.dylibso.chicory.runtime.Memory> pagedMemory() {
        try {
            java.lang.reflect.Constructor<?> c = Class.forName("dev.kelpie.wapc.PagedMemory").getDeclaredConstructor(MemoryLimits.class);
            c.setAccessible(true);
            return limits -> {
                try {
                    return (com.dylibso.chicory.runtime.Memory) c.newInstance(limits);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no PagedMemory in this build", e);
        }
    }

    /**
     * The memories alone ({@code memory}): one {@link RawWapcHost} instance of the Rust testbed per memory
     * (Chicory's {@code ByteArrayMemory}, Kelpie's {@code PagedMemory}), the same calls on each: echo 64 B,
     * 4 KiB and 64 KiB, and {@code fib 20} (recursion: stack loads and stores through the compiled code).
     */
    private static List<Timed> memoryCases() {
        CompiledModule compiled = Guests.compile(Guests.RUST, ExecutionMode.COMPILED);
        MemoryLimits limits = ActivationBenchmark.kelpieLimits(compiled);
        List<Timed> cases = new ArrayList<>();
        Object[][] calls = {{"echo", ActorBench.payload(64), 2000}, {"echo", ActorBench.payload(4096), 2000},
            {"echo", ActorBench.payload(65536), 200}, {"fib", "20".getBytes(StandardCharsets.UTF_8), 200}};
        for (String memory : new String[] {"ByteArrayMemory", "PagedMemory"}) {
            RawWapcHost raw = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(),
                    limits, true, memory.equals("PagedMemory") ? pagedMemory() : com.dylibso.chicory.runtime.ByteArrayMemory::new);
            for (Object[] call : calls) {
                byte[] op = ((String) call[0]).getBytes(StandardCharsets.UTF_8);
                byte[] payload = (byte[]) call[1];
                int n = (Integer) call[2];
                raw.call(op, payload);
                cases.add(new Timed(call[0] + " " + payload.length + " B " + memory, n, () -> {
                    for (int i = 0; i < n; i++) {
                        raw.call(op, payload);
                    }
                }));
            }
        }
        return cases;
    }

    private static List<Timed> echoCases() {
        byte[] op = "echo".getBytes(StandardCharsets.UTF_8);
        List<Timed> cases = new ArrayList<>();
        for (String build : new String[] {"bulk-memory", "byte-loops"}) {
            CompiledModule compiled = Guests.compile(build.equals("byte-loops") ? WapcEchoBenchmark.BYTE_LOOPS : Guests.RUST,
                    ExecutionMode.COMPILED);
            for (int size : new int[] {4096, 65536}) {
                byte[] payload = ActorBench.payload(size);
                int calls = size == 4096 ? 2000 : 200;
                WapcInstance kelpie = new dev.kelpie.wapc.ChicoryWapcHost(WapcSettings.DEFAULTS)
                        .instantiate(compiled, InstanceOptions.labelled("echo"));
                RawWapcHost raw = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(),
                        ChicoryModule.of(compiled).machineFactory(), null, true);
                Guests.check(Arrays.equals(kelpie.invoke("echo", payload), payload), "kelpie echo");
                Guests.check(Arrays.equals(raw.call(op, payload), payload), "raw echo");
                cases.add(new Timed("echo " + size + " B " + build + " kelpie", calls, () -> {
                    for (int i = 0; i < calls; i++) {
                        kelpie.invoke("echo", payload);
                    }
                }));
                cases.add(new Timed("echo " + size + " B " + build + " rawChicory", calls, () -> {
                    for (int i = 0; i < calls; i++) {
                        raw.call(op, payload);
                    }
                }));
            }
        }
        return cases;
    }
}
