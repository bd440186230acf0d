package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.benchmarks.Guests;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every guest language side by side, in one JMH run, through the same runtime wiring ({@link ActorBench}
 * with every guest adapter). Average time per operation:
 *
 * <ul>
 *   <li>{@code echo}: a 64-byte {@code echo} through {@link ActorRef#invoke}, pipelined {@value #BATCH} to one
 *       actor, then one blocking wait on the last reply (as {@code SingleActorThroughputBenchmark.actor});
 *       one op = one message. Baseline in the same run: {@code bareEcho}, {@value #BATCH} ×
 *       {@link WapcInstance#invoke} of the same compiled module on one bare instance (no runtime).</li>
 *   <li>{@code increment}: the language's counter, {@code increment} pipelined {@value #BATCH} to one actor on
 *       the in-memory store (two host calls and one commit per turn); after every iteration {@code get} must
 *       equal the increments sent. Parameter {@code counter}: only languages that have a counter guest.</li>
 *   <li>{@code activate}: the first message ({@code ActorRef.call("echo", 64 B)}, blocking) to an actor id never
 *       used before, one at a time: directory entry, instance (the language's start-up: {@code wapc_init},
 *       {@code _initialize}, a Go {@code main} up to {@code kelpie.Serve}), the turn, the reply. The actor is
 *       passivated in a {@code Level.Invocation} teardown, outside the measured time. Baseline in the same
 *       run: {@code bareInstantiate}, {@code ChicoryWapcHost.instantiate} (same memory cap) + one echo +
 *       {@code close} on the calling thread.</li>
 * </ul>
 *
 * <p>Rust is the reference column: every language is reported as a ratio to Rust and to its own bare
 * instance ({@code benchmarks/summarize.py}). One language per fork (JMH forks per parameter value), so no
 * two languages share a JIT profile. Adding a language is one word in a {@code @Param} list plus its
 * resources in {@link #echoGuest} / {@link #counterGuest}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class LanguagesBenchmark {
    static final int BATCH = 1000;
    static final byte[] EMPTY = new byte[0];

    /** The echo guest of a language (every one answers op {@code echo} with its payload). */
    static String echoGuest(String language) {
        switch (language) {
            case "rust": return ActorBench.TESTBED;
            case "assemblyscript": return ActorBench.TESTBED_AS;
            case "rust-echo": return "/wasm/rust/echo.wasm"; // the example actors: only op echo
            case "assemblyscript-echo": return "/wasm/assemblyscript/echo.wasm";
            case "c": return "/wasm/c/echo/echo.wasm";
            case "go": return "/wasm/go/echo/echo.wasm";
            case "tinygo-reactor": return "/wasm/wat/tinygo-reactor.wasm"; // TinyGo's shape (WAT), not a TinyGo build
            case "tinygo-legacy": return "/wasm/wat/tinygo-legacy.wasm";
            case "zig": return "/wasm/wat/zig-wapc.wasm"; // wapc-guest-zig's shape (WAT), not a Zig build
            case "python": return "/wasm/python/echo/echo.py"; // MicroPython with the source
            default: throw new IllegalArgumentException("no echo guest for language " + language);
        }
    }

    /** The counter guest of a language: ops {@code increment} (answers the new value) and {@code get}. */
    static String counterGuest(String language) {
        switch (language) {
            case "rust": return ActorBench.COUNTER;
            case "assemblyscript": return "/wasm/assemblyscript/counter.wasm";
            case "c": return "/wasm/c/counter/counter.wasm";
            case "go": return "/wasm/go/counter/counter.wasm";
            case "python": return "/wasm/python/counter/counter.py";
            default: throw new IllegalArgumentException("no counter guest for language " + language);
        }
    }

    /** The language of the echo and activation benchmarks. */
    @State(Scope.Benchmark)
    public static class Language {
        @Param({"rust", "assemblyscript", "rust-echo", "assemblyscript-echo", "c", "go", "tinygo-reactor",
                "tinygo-legacy", "zig", "python"})
        public String language;
    }

    /** One actor of the language's echo guest, already active. */
    @State(Scope.Benchmark)
    public static class Echo {
        ActorBench bench;
        ActorRef actor;
        byte[] payload;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp(Language l) {
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            bench.deploy("echo", echoGuest(l.language));
            actor = bench.runtime.ref("echo", "e1");
            ActorBench.checkEcho(actor, payload);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    /** One bare instance of the same compiled echo guest: the floor under {@code echo}. */
    @State(Scope.Benchmark)
    public static class BareEcho {
        ActorBench bench;
        WapcInstance instance;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp(Language l) {
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            CompiledModule compiled = bench.install(echoGuest(l.language));
            instance = bench.host.instantiate(compiled, options());
            Guests.check(Arrays.equals(instance.invoke("echo", payload), payload), "bare echo of " + l.language);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            instance.close();
            bench.close();
        }
    }

    /** The language's counter on one actor, in-memory store. */
    @State(Scope.Benchmark)
    public static class Counter {
        @Param({"rust", "assemblyscript", "c", "go", "python"})
        public String counter;

        ActorBench bench;
        ActorRef actor;
        long sent;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            bench = new ActorBench();
            bench.deploy("counter", counterGuest(counter));
            actor = bench.runtime.ref("counter", "c1");
            Guests.check(text(actor.call("increment", EMPTY)).equals("1"), counter + " counter: first increment answers 1");
            sent = 1;
        }

        @TearDown(Level.Iteration)
        public void check() {
            String count = text(actor.call("get", EMPTY));
            Guests.check(count.equals(Long.toString(sent)),
                    counter + " counter is " + count + " after " + sent + " increments");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    /** A runtime with the echo guest deployed; a fresh actor id for every invocation. */
    @State(Scope.Benchmark)
    public static class Activations {
        ActorBench bench;
        byte[] payload;
        long nextId;
        ActorRef ref;

        @Setup(Level.Trial)
        public void setUp(Language l) {
            payload = ActorBench.payload(64);
            bench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(),
                    ActorBench.settings().withMaxActiveActors(1_000_000));
            bench.deploy("echo", echoGuest(l.language));
        }

        @Setup(Level.Invocation)
        public void nextId() {
            ref = bench.runtime.ref("echo", "n" + nextId++);
        }

        /** Passivates the actor and waits until it is gone (not measured). */
        @TearDown(Level.Invocation)
        public void passivate() throws Exception {
            Guests.check(bench.runtime.deactivate(ref.id()).toCompletableFuture()
                    .get(ActorBench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS), ref + " was active");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            Guests.check(bench.runtime.activeActors() == 0, "every actor passivated, still active: "
                    + bench.runtime.activeActors());
            bench.close();
        }
    }

    /** The compiled echo guest for the bare instantiation baseline. */
    @State(Scope.Benchmark)
    public static class BareInstances {
        ActorBench bench;
        CompiledModule compiled;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp(Language l) {
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            compiled = bench.install(echoGuest(l.language));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    static InstanceOptions options() {
        return InstanceOptions.labelled("bare").withMaxMemoryBytes(ActorBench.LIMITS.maxMemoryBytes());
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] echo(Echo e) {
        for (int i = 0; i < BATCH; i++) {
            e.batch[i] = e.actor.invoke("echo", e.payload).toCompletableFuture();
        }
        return ActorBench.awaitInOrder(e.batch, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] bareEcho(BareEcho b) {
        byte[] last = null;
        for (int i = 0; i < BATCH; i++) {
            last = b.instance.invoke("echo", b.payload);
        }
        return last;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] increment(Counter c) {
        for (int i = 0; i < BATCH; i++) {
            c.batch[i] = c.actor.invoke("increment", EMPTY).toCompletableFuture();
        }
        c.sent += BATCH;
        return ActorBench.awaitInOrder(c.batch, BATCH);
    }

    /** Warmed up longer: the start-up code of a guest runs once per op, so it reaches the JIT slowly. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 10, time = 1)
    public byte[] activate(Activations a) {
        return a.ref.call("echo", a.payload);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 10, time = 1)
    public byte[] bareInstantiate(BareInstances b) {
        try (WapcInstance instance = b.bench.host.instantiate(b.compiled, options())) {
            return instance.invoke("echo", b.payload);
        }
    }
}
