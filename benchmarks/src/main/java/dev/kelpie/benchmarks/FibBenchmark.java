package dev.kelpie.benchmarks;

import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recursive fib(25) (242,785 calls) inside the Rust testbed, one waPC {@code fib} call each, against the
 * same recursion in plain Java. The call overhead (under a microsecond) is noise at this size, so this
 * measures how well Chicory's compiler (and interpreter) run guest code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FibBenchmark {
    static final int N = 25;
    static final long FIB_25 = 75025;
    static final byte[] FIB = "fib".getBytes(StandardCharsets.UTF_8);

    /** n as a field, so the JIT cannot fold plain Java's fib(25) into a constant. */
    @State(Scope.Thread)
    public static class Input {
        int n = N;
        byte[] payload = Integer.toString(N).getBytes(StandardCharsets.US_ASCII);
    }

    @State(Scope.Thread)
    public static class Kelpie {
        WapcInstance instance;

        @Setup(Level.Trial)
        public void setUp(Input input) {
            instance = instantiate(ExecutionMode.COMPILED, input);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            instance.close();
        }
    }

    @State(Scope.Thread)
    public static class KelpieInterpreted {
        WapcInstance instance;

        @Setup(Level.Trial)
        public void setUp(Input input) {
            instance = instantiate(ExecutionMode.INTERPRETED, input);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            instance.close();
        }
    }

    @State(Scope.Thread)
    public static class Raw {
        RawWapcHost host;

        @Setup(Level.Trial)
        public void setUp(Input input) {
            CompiledModule compiled = Guests.compile(Guests.RUST, ExecutionMode.COMPILED);
            host = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), null, true);
            Guests.check(new String(host.call(FIB, input.payload), StandardCharsets.US_ASCII).equals(Long.toString(FIB_25)),
                    "raw fib(25)");
        }
    }

    static WapcInstance instantiate(ExecutionMode mode, Input input) {
        CompiledModule compiled = Guests.compile(Guests.RUST, mode);
        WapcInstance instance = new ChicoryWapcHost(WapcSettings.DEFAULTS).instantiate(compiled, InstanceOptions.labelled("bench"));
        Guests.check(new String(instance.invoke("fib", input.payload), StandardCharsets.US_ASCII).equals(Long.toString(FIB_25)),
                "Kelpie fib(25)");
        return instance;
    }

    @Benchmark
    public byte[] kelpie(Kelpie kelpie, Input input) {
        return kelpie.instance.invoke("fib", input.payload);
    }

    @Benchmark
    public byte[] rawChicory(Raw raw, Input input) {
        return raw.host.call(FIB, input.payload);
    }

    @Benchmark
    public byte[] kelpieInterpreted(KelpieInterpreted kelpie, Input input) {
        return kelpie.instance.invoke("fib", input.payload);
    }

    @Benchmark
    public long plainJava(Input input) {
        return fib(input.n);
    }

    static long fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    /** Checked once at class load: plain Java computes what the guest answers. */
    static {
        if (fib(N) != FIB_25) {
            throw new IllegalStateException("fib(25) != 75025");
        }
    }
}
