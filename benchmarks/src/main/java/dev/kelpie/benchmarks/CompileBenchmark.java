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
 * Installing a module into a fresh {@link ChicoryModuleRegistry}: size cap, SHA-256, parse + validate,
 * compile to JVM bytecode (COMPILED) and describe. INTERPRETED skips the compile, so the difference of
 * the two is the compile step alone. One install per iteration, in a JVM that has already installed
 * modules {@code warmup} times (warm); {@link CompileColdBenchmark} measures the first install of a JVM.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 15)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class CompileBenchmark {
    @Param({"rust", "assemblyscript"})
    public String guest;

    @Param({"COMPILED", "INTERPRETED"})
    public ExecutionMode mode;

    byte[] bytes;

    @Setup(Level.Trial)
    public void setUp() {
        bytes = Guests.bytes(Guests.resource(guest));
    }

    @Benchmark
    public CompiledModule install() {
        return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode)).install(guest, bytes);
    }
}
