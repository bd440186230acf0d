package dev.kelpie.benchmarks;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.micropython.MicroPythonAdapter;
import dev.kelpie.guest.micropython.PythonTranslator;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Python activation on a bare waPC host, with and without the interpreter image (parameter
 * {@code image}): {@code activate} is {@code host.instantiate} of the Python echo example (MicroPython's
 * start-up and prelude, or the image's copy, then the actor's source) + one 64-byte echo + {@code close}.
 * Same-run baseline: {@code rustActivate}, the same for the Rust echo example.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class PythonActivationBenchmark {
    @Param({"true", "false"})
    public boolean image;

    ChicoryWapcHost host;
    CompiledModule python;
    CompiledModule rust;
    byte[] payload;

    @Setup
    public void setUp() {
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
        registry.addSourceTranslator(new PythonTranslator());
        host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        host.addGuestAdapter(new MicroPythonAdapter(image));
        python = registry.install("echo.py", Guests.bytes("/wasm/python/echo/echo.py"));
        rust = registry.install("echo.wasm", Guests.bytes("/wasm/rust/echo.wasm"));
        payload = new byte[64];
        Arrays.fill(payload, (byte) 'x');
        Guests.check(Arrays.equals(activate(), payload), "python echo answers");
        Guests.check(Arrays.equals(rustActivate(), payload), "rust echo answers");
    }

    private byte[] run(CompiledModule module) {
        try (WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("bench"))) {
            return instance.invoke("echo", payload);
        }
    }

    @Benchmark
    public byte[] activate() {
        return run(python);
    }

    @Benchmark
    public byte[] rustActivate() {
        return run(rust);
    }
}
