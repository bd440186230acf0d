package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.instantiate;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.Instance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleHash;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CompileCacheTest {
    private static final long MAX = ChicoryModuleRegistry.DEFAULT_COMPILE_CACHE_MAX_BYTES;

    @TempDir
    Path dir;

    private ChicoryModuleRegistry registry(CompileCache cache) {
        return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, cache);
    }

    @Test
    void aRestartLoadsTheCompiledClassesInsteadOfCompiling() {
        CompileCache first = new CompileCache(dir, MAX);
        CompiledModule compiled = registry(first).install("hello.wasm", wat("no-guest-call"));
        registry(first).install("testbed.wasm", bytes(TestModules.RUST));
        assertThat(first.misses()).isEqualTo(2);
        assertThat(first.writes()).isEqualTo(2);
        assertThat(entries()).hasSize(2);

        CompileCache second = new CompileCache(dir, MAX); // a new runtime on the same data directory
        ChicoryModuleRegistry restarted = registry(second);
        CompiledModule loaded = restarted.install("hello.wasm", wat("no-guest-call"));
        restarted.install("testbed.wasm", bytes(TestModules.RUST));

        assertThat(second.hits()).isEqualTo(2);
        assertThat(second.misses()).isZero();
        assertThat(second.writes()).isZero();
        Instance instance = instantiate(loaded);
        assertThat(instance.export("hello").apply()).containsExactly(42L);
        assertThat(instance.getMachine().getClass().getClassLoader())
                .isNotSameAs(instantiate(compiled).getMachine().getClass().getClassLoader());
    }

    @ParameterizedTest
    @ValueSource(strings = {"flipped", "truncated", "tiny", "empty", "appended", "other-module"})
    void aDamagedOrForeignEntryIsRefusedRecompiledAndOverwritten(String damage) throws Exception {
        byte[] bytes = wat("no-guest-call");
        byte[] other = wat("no-memory");
        CompileCache first = new CompileCache(dir, MAX);
        registry(first).install("hello.wasm", bytes);
        registry(first).install("other.wasm", other);
        Path entry = first.entry(ModuleHash.sha256(bytes), CompilerIdentity.current());
        byte[] good = Files.readAllBytes(entry);
        byte[] bad = switch (damage) {
            case "flipped" -> flip(good, good.length / 2);
            case "truncated" -> java.util.Arrays.copyOf(good, good.length / 2);
            case "tiny" -> java.util.Arrays.copyOf(good, 10);
            case "empty" -> new byte[0];
            case "appended" -> java.util.Arrays.copyOf(good, good.length + 3);
            case "other-module" -> Files.readAllBytes(first.entry(ModuleHash.sha256(other), CompilerIdentity.current()));
            default -> throw new AssertionError(damage);
        };
        Files.write(entry, bad);

        CompileCache second = new CompileCache(dir, MAX);
        CompiledModule module = registry(second).install("hello.wasm", bytes);

        assertThat(second.refused()).isEqualTo(1);
        assertThat(second.hits()).isZero();
        assertThat(second.writes()).isEqualTo(1);
        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
        // overwritten with this module's code (Chicory's jar carries timestamps: not byte-equal to the first)
        assertThat(CompiledCode.unwrap(Files.readAllBytes(entry), ModuleHash.sha256(bytes), CompilerIdentity.current())).isNotEmpty();

        CompileCache third = new CompileCache(dir, MAX);
        registry(third).install("hello.wasm", bytes);
        assertThat(third.hits()).isEqualTo(1);
    }

    @Test
    void anEntryOfAnotherCompilerIsRefused() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        CompileCache first = new CompileCache(dir, MAX);
        registry(first).install("hello.wasm", bytes);
        Path entry = first.entry(hash, CompilerIdentity.current());
        byte[] classes = CompiledCode.unwrap(Files.readAllBytes(entry), hash, CompilerIdentity.current());
        // the same classes under another Chicory's name, put where this compiler's entry belongs
        Files.write(entry, CompiledCode.wrap(hash, "chicory=0.0.1;compiler=0;fallback=SILENT", classes));

        CompileCache second = new CompileCache(dir, MAX);
        registry(second).install("hello.wasm", bytes);

        assertThat(second.refused()).isEqualTo(1);
        assertThat(second.writes()).isEqualTo(1);
    }

    @Test
    void intactClassesThatDoNotLoadAreDiscardedAndTheModuleCompiled() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        CompileCache cache = new CompileCache(dir, MAX);
        // a well-formed entry whose jar names a main class it does not hold
        cache.store(hash, CompilerIdentity.current(), jar("mainClass=com.example.Missing\n", "com/example/Other.class",
                new byte[] {(byte) 0xca, (byte) 0xfe, 0, 1}));
        assertThat(cache.writes()).isEqualTo(1);

        CompiledModule module = registry(cache).install("hello.wasm", bytes);

        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
        assertThat(cache.refused()).isEqualTo(1);
        assertThat(cache.writes()).isEqualTo(2);
        CompileCache next = new CompileCache(dir, MAX);
        registry(next).install("hello.wasm", bytes);
        assertThat(next.hits()).isEqualTo(1);
    }

    @Test
    void aWriterInTheMiddleOfWritingExposesNoPartialEntry() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        byte[] classes = classesOf(bytes);
        CompileCache slow = new CompileCache(dir, MAX);
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        slow.beforeMove = () -> {
            written.countDown();
            await(release);
        };
        Thread writer = new Thread(() -> slow.store(hash, CompilerIdentity.current(), classes), "slow-writer");
        writer.start();
        try {
            assertThat(written.await(10, TimeUnit.SECONDS)).isTrue();
            // the slow writer's temporary file is there, its entry is not: another runtime sees no entry
            assertThat(tempFiles()).hasSize(1);
            CompileCache other = new CompileCache(dir, MAX);
            ChicoryModuleRegistry otherRegistry = registry(other);
            otherRegistry.install("hello.wasm", bytes);
            assertThat(other.misses()).isEqualTo(1);
            assertThat(other.refused()).isZero();
            assertThat(other.writes()).isEqualTo(1); // and writes it whole while the slow one waits
        } finally {
            release.countDown();
            writer.join(10_000);
        }
        assertThat(writer.isAlive()).isFalse();
        assertThat(slow.writes()).isEqualTo(1); // moved over the other's entry atomically
        assertThat(tempFiles()).isEmpty();
        CompileCache after = new CompileCache(dir, MAX);
        registry(after).install("hello.wasm", bytes);
        assertThat(after.hits()).isEqualTo(1);
    }

    @Test
    void manyWritersOfOneEntryLeaveOneIntactEntry() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        byte[] classes = classesOf(bytes);
        int writers = 8;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[writers];
        for (int i = 0; i < writers; i++) {
            CompileCache own = new CompileCache(dir, MAX);
            threads[i] = new Thread(() -> {
                await(start);
                for (int n = 0; n < 20; n++) {
                    own.store(hash, CompilerIdentity.current(), classes);
                }
            });
            threads[i].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(entries()).hasSize(1);
        assertThat(tempFiles()).isEmpty();
        assertThat(new CompileCache(dir, MAX).load(hash, CompilerIdentity.current())).isEqualTo(classes);
    }

    @Test
    void theCacheStaysUnderItsSizeCapDroppingTheLeastRecentlyUsed() throws IOException {
        byte[] hello = wat("no-guest-call");
        byte[] testbed = bytes(TestModules.RUST);
        long helloSize = CompiledCode.wrap(ModuleHash.sha256(hello), CompilerIdentity.current(), classesOf(hello)).length;
        long testbedSize = CompiledCode.wrap(ModuleHash.sha256(testbed), CompilerIdentity.current(), classesOf(testbed)).length;
        CompileCache cache = new CompileCache(dir, testbedSize + helloSize - 1); // not both
        registry(cache).install("hello.wasm", hello);
        Files.setLastModifiedTime(cache.entry(ModuleHash.sha256(hello), CompilerIdentity.current()),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        registry(cache).install("testbed.wasm", testbed);

        assertThat(entries()).containsExactly(cache.entry(ModuleHash.sha256(testbed), CompilerIdentity.current()));
        assertThat(size(entries())).isLessThanOrEqualTo(cache.maxBytes());
    }

    @Test
    void anEntryOverTheCapIsNotWritten() {
        CompileCache tiny = new CompileCache(dir, 100);
        CompiledModule module = registry(tiny).install("hello.wasm", wat("no-guest-call"));

        assertThat(tiny.writes()).isZero();
        assertThat(entries()).isEmpty();
        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
    }

    @Test
    void theConfigTurnsTheCacheOffAndResolvesItsDirectoryAgainstTheHome() {
        ChicoryModuleRegistry off = new ChicoryModuleRegistry(config(false, "data/compile-cache"));
        assertThat(off.compileCache()).isEmpty();
        off.install("hello.wasm", wat("no-guest-call"));
        assertThat(dir.resolve("data")).doesNotExist();

        String before = System.getProperty("kelpie.home");
        System.setProperty("kelpie.home", dir.toString());
        try {
            ChicoryModuleRegistry on = new ChicoryModuleRegistry(config(true, "data/compile-cache"));
            assertThat(on.compileCache()).get().extracting(CompileCache::directory)
                    .isEqualTo(dir.resolve("data/compile-cache").toAbsolutePath());
            on.install("hello.wasm", wat("no-guest-call"));
            assertThat(dir.resolve("data/compile-cache")).isDirectoryContaining(p -> p.toString().endsWith(CompileCache.SUFFIX));
        } finally {
            if (before == null) {
                System.clearProperty("kelpie.home");
            } else {
                System.setProperty("kelpie.home", before);
            }
        }
    }

    @Test
    void theInterpreterNeedsNoCache() {
        CompileCache cache = new CompileCache(dir, MAX);
        new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED), cache)
                .install("hello.wasm", wat("no-guest-call"));
        assertThat(cache.misses() + cache.writes()).isZero();
    }

    @Test
    void classesLoadedFromTheCacheAreCollectedOnceTheModuleIsRemoved() throws InterruptedException {
        byte[] bytes = wat("no-guest-call");
        registry(new CompileCache(dir, MAX)).install("hello.wasm", bytes);
        CompileCache cache = new CompileCache(dir, MAX);
        ChicoryModuleRegistry registry = registry(cache);

        WeakReference<ClassLoader> loader = installRunAndRemove(registry, bytes);

        assertThat(cache.hits()).isEqualTo(1);
        for (int i = 0; i < 50 && loader.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(loader.get()).as("class loader of the cached module's machine is collected").isNull();
    }

    private static WeakReference<ClassLoader> installRunAndRemove(ChicoryModuleRegistry registry, byte[] bytes) {
        CompiledModule module = registry.install("hello.wasm", bytes);
        Instance instance = instantiate(module);
        assertThat(instance.export("hello").apply()).containsExactly(42L);
        ClassLoader loader = instance.getMachine().getClass().getClassLoader();
        assertThat(registry.remove(module.descriptor().hash())).isTrue();
        return new WeakReference<>(loader);
    }

    /** The classes Chicory compiles for a module, as the cache keeps them. */
    static byte[] classesOf(byte[] moduleBytes) {
        try {
            return CompiledCode.unwrap(Precompile.compile(moduleBytes), ModuleHash.sha256(moduleBytes), CompilerIdentity.current());
        } catch (CompiledCode.Refused e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> entries() {
        return list(CompileCache.SUFFIX);
    }

    private List<Path> tempFiles() {
        return list(CompileCache.TEMP_SUFFIX);
    }

    private List<Path> list(String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long size(List<Path> files) throws IOException {
        long total = 0;
        for (Path p : files) {
            total += Files.size(p);
        }
        return total;
    }

    private static byte[] flip(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x01;
        return copy;
    }

    static byte[] jar(String properties, String className, byte[] classBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("wasm-module.properties"));
            jar.write(properties.getBytes(StandardCharsets.ISO_8859_1));
            jar.closeEntry();
            jar.putNextEntry(new JarEntry(className));
            jar.write(classBytes);
            jar.closeEntry();
        }
        return out.toByteArray();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static ChicoryModuleRegistry.Config config(boolean cacheOn, String cacheDir) {
        return new ChicoryModuleRegistry.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ChicoryModuleRegistry.Config.class;
            }

            @Override
            public long max__module__bytes() {
                return RegistrySettings.DEFAULT_MAX_MODULE_BYTES;
            }

            @Override
            public String execution__mode() {
                return "compiled";
            }

            @Override
            public int max__table__entries() {
                return RegistrySettings.DEFAULT_MAX_TABLE_ENTRIES;
            }

            @Override
            public boolean compile__cache__enabled() {
                return cacheOn;
            }

            @Override
            public String compile__cache__dir() {
                return cacheDir;
            }

            @Override
            public long compile__cache__max__bytes() {
                return MAX;
            }
        };
    }
}
