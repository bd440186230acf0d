package dev.kelpie.benchmarks;

import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 64-byte waPC echo in Chicory's interpreter (registry in INTERPRETED mode, so the machine factory
 * is {@code InterpreterMachine::new}): Kelpie's host against {@link RawWapcHost}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class WapcEchoInterpretedBenchmark {

    @State(Scope.Benchmark)
    public static class Module {
        byte[] payload;
        CompiledModule compiled;

        @Setup(Level.Trial)
        public void setUp() {
            payload = new byte[64];
            new Random(42).nextBytes(payload);
            compiled = Guests.compile(Guests.RUST, ExecutionMode.INTERPRETED);
        }
    }

    @State(Scope.Thread)
    public static class Kelpie {
        WapcInstance instance;

        @Setup(Level.Trial)
        public void setUp(Module module) {
            instance = new ChicoryWapcHost(WapcSettings.DEFAULTS).instantiate(module.compiled, InstanceOptions.labelled("bench"));
            Guests.check(Arrays.equals(instance.invoke("echo", module.payload), module.payload), "Kelpie echo");
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
        public void setUp(Module module) {
            host = new RawWapcHost(ChicoryModule.of(module.compiled).wasmModule(), ChicoryModule.of(module.compiled).machineFactory(), null, true);
            Guests.check(Arrays.equals(host.call(WapcEchoBenchmark.ECHO, module.payload), module.payload), "raw echo");
        }
    }

    @Benchmark
    public byte[] kelpie(Kelpie kelpie, Module module) {
        return kelpie.instance.invoke("echo", module.payload);
    }

    @Benchmark
    public byte[] rawChicory(Raw raw, Module module) {
        return raw.host.call(WapcEchoBenchmark.ECHO, module.payload);
    }
}
