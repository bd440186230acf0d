package dev.kelpie.benchmarks;

import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One waPC {@code echo} call into the Rust testbed, compiled mode: through Kelpie's host
 * ({@link WapcInstance#invoke}) and through {@link RawWapcHost}, the minimal host on Chicory, with the
 * same parsed module and the same compiled machine factory. Each method runs in its own fork.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class WapcEchoBenchmark {
    static final byte[] ECHO = "echo".getBytes(StandardCharsets.UTF_8);

    /** The payload, shared by both hosts' states. */
    @State(Scope.Benchmark)
    public static class Payload {
        @Param({"64", "4096", "65536"})
        public int payloadBytes;

        byte[] bytes;

        @Setup(Level.Trial)
        public void setUp() {
            bytes = new byte[payloadBytes];
            new Random(42).nextBytes(bytes);
        }
    }

    /** The Rust testbed's build: the committed one, and the same source as it was built before bulk memory. */
    public static final String BYTE_LOOPS = "/wasm/rust-byte-loops/testbed.wasm";

    /** The module installed once (compiled once), as Kelpie would hold it. */
    @State(Scope.Benchmark)
    public static class Module {
        /**
         * {@code bulk-memory}: the committed testbed, built with {@code -C target-feature=+bulk-memory}
         * ({@code memory.copy}/{@code memory.fill}); {@code byte-loops}: the testbed as committed before that
         * ({@value #BYTE_LOOPS}, byte-identical to {@code wasm-modules/rust/testbed/testbed.wasm} at commit
         * e6d94aa), whose copies and fills are loops in wasm.
         */
        @Param({"bulk-memory", "byte-loops"})
        public String build;

        CompiledModule compiled;

        @Setup(Level.Trial)
        public void setUp() {
            compiled = Guests.compile(build.equals("byte-loops") ? BYTE_LOOPS : Guests.RUST, ExecutionMode.COMPILED);
        }
    }

    @State(Scope.Thread)
    public static class Kelpie {
        WapcInstance instance;

        @Setup(Level.Trial)
        public void setUp(Module module, Payload payload) {
            instance = new ChicoryWapcHost(WapcSettings.DEFAULTS).instantiate(module.compiled, InstanceOptions.labelled("bench"));
            Guests.check(Arrays.equals(instance.invoke("echo", payload.bytes), payload.bytes), "Kelpie echo");
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
        public void setUp(Module module, Payload payload) {
            host = new RawWapcHost(ChicoryModule.of(module.compiled).wasmModule(), ChicoryModule.of(module.compiled).machineFactory(), null, true);
            Guests.check(Arrays.equals(host.call(ECHO, payload.bytes), payload.bytes), "raw echo");
        }
    }

    @Benchmark
    public byte[] kelpie(Kelpie kelpie, Payload payload) {
        return kelpie.instance.invoke("echo", payload.bytes);
    }

    @Benchmark
    public byte[] rawChicory(Raw raw, Payload payload) {
        return raw.host.call(ECHO, payload.bytes);
    }
}
