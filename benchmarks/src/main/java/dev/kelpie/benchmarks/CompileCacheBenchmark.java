package dev.kelpie.benchmarks;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.CompileCache;
import dev.kelpie.registry.Precompile;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Installing a module into a fresh registry, by where its code comes from: {@code compile} (Chicory's
 * compiler, no cache: the baseline), {@code cache} (a filled on-disk compile cache, as after a restart),
 * {@code bundle} (code compiled at build time, offered as a module bundle does), and {@code interpreted}
 * (no code at all: what parse + validate + describe alone cost). One install per iteration in a warm JVM;
 * {@link CompileCacheColdBenchmark} measures the first install of a fresh JVM.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 15)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class CompileCacheBenchmark {
    @Param({"rust", "assemblyscript"})
    public String guest;

    @Param({"compile", "cache", "bundle", "interpreted"})
    public String source;

    byte[] bytes;
    byte[] code;
    Path dir;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        bytes = Guests.bytes(Guests.resource(guest));
        code = Precompile.compile(bytes);
        dir = Files.createTempDirectory("kelpie-compile-cache");
        new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, new CompileCache(dir, 1L << 30)).install(guest, bytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public CompiledModule install() {
        return install(this);
    }

    static CompiledModule install(CompileCacheBenchmark b) {
        switch (b.source) {
            case "compile":
                return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS).install(b.guest, b.bytes);
            case "cache":
                return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, new CompileCache(b.dir, 1L << 30))
                        .install(b.guest, b.bytes);
            case "bundle": {
                ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
                Guests.check(registry.offerCompiledCode(ModuleHash.sha256(b.bytes), b.code), "code taken");
                return registry.install(b.guest, b.bytes);
            }
            case "interpreted":
                return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED))
                        .install(b.guest, b.bytes);
            default:
                throw new IllegalArgumentException("source " + b.source);
        }
    }
}
