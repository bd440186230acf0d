package dev.kelpie.benchmarks;

import dev.kelpie.api.wasm.ChicoryModule;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A new instance from an already compiled module. {@code kelpie}: {@code host.instantiate} (shape check,
 * adapter pick, linking, Chicory build with Kelpie's memory cap, init convention) and {@code close}.
 * {@code rawBuild}: Chicory's {@code Instance.builder(...).build()} alone with the same factory, as the
 * baseline recipe has it (the module's own memory limits, no init). {@code rawBuildInit} adds the waPC
 * init ({@code wapc_init}), {@code rawCappedInit} also passes Kelpie's memory limits (initial..4096
 * pages), which makes it the same work as Kelpie's minus Kelpie's own code.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class InstantiateBenchmark {
    @Param({"rust", "assemblyscript"})
    public String guest;

    CompiledModule compiled;
    ChicoryWapcHost host;
    MemoryLimits kelpieLimits;

    @Setup(Level.Trial)
    public void setUp() {
        compiled = Guests.compile(Guests.resource(guest), ExecutionMode.COMPILED);
        host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        host.addGuestAdapter(new AssemblyScriptAdapter());
        var memory = compiled.descriptor().memory();
        kelpieLimits = new MemoryLimits(memory.initialPages(), memory.declaresMaximum()
                ? Math.min(memory.maximumPages(), WapcSettings.DEFAULT_MAX_MEMORY_PAGES)
                : WapcSettings.DEFAULT_MAX_MEMORY_PAGES);
        try (WapcInstance probe = host.instantiate(compiled, InstanceOptions.labelled("probe"))) {
            Guests.check(probe.invoke("echo", new byte[] {1, 2, 3}).length == 3, "Kelpie instance answers");
        }
        Guests.check(new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), kelpieLimits, true)
                .call(WapcEchoBenchmark.ECHO, new byte[] {1, 2, 3}).length == 3, "raw instance answers");
    }

    @Benchmark
    public WapcInstance kelpie() {
        WapcInstance instance = host.instantiate(compiled, InstanceOptions.labelled("bench"));
        instance.close();
        return instance;
    }

    @Benchmark
    public Instance rawBuild() {
        return new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), null, false).instance();
    }

    @Benchmark
    public Instance rawBuildInit() {
        return new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), null, true).instance();
    }

    @Benchmark
    public Instance rawCappedInit() {
        return new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), kelpieLimits, true).instance();
    }
}
