package dev.kelpie.benchmarks;

import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
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
 * {@link CompileCacheBenchmark} in a nearly fresh JVM (C1 only, as {@code bin/kelpie --exec}): five forks,
 * one shot each, no warmup. The setup of every variant compiles the module twice (to make the bundle code
 * and fill the cache), so the parser's, compiler's and ASM's classes are loaded in all of them alike:
 * what differs is where the measured install gets its code.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:TieredStopAtLevel=1"})
@State(Scope.Benchmark)
public class CompileCacheColdBenchmark {
    @Param({"rust", "assemblyscript"})
    public String guest;

    @Param({"compile", "cache", "bundle", "interpreted"})
    public String source;

    final CompileCacheBenchmark state = new CompileCacheBenchmark();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        state.guest = guest;
        state.source = source;
        state.setUp();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        state.tearDown();
    }

    @Benchmark
    public CompiledModule install() {
        return CompileCacheBenchmark.install(state);
    }
}
