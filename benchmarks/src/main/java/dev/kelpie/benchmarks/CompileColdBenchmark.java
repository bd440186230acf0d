package dev.kelpie.benchmarks;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
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
 * The first module install of a fresh JVM (compiled mode): what a user waits for when the runtime starts
 * with one module. Five forks, one shot each, no warmup; includes loading and JIT-less running of the
 * registry's, Chicory's parser's and compiler's and ASM's classes.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class CompileColdBenchmark {
    @Param({"rust", "assemblyscript"})
    public String guest;

    byte[] bytes;

    @Setup(Level.Trial)
    public void setUp() {
        bytes = Guests.bytes(Guests.resource(guest));
    }

    @Benchmark
    public CompiledModule install() {
        return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.COMPILED))
                .install(guest, bytes);
    }
}
