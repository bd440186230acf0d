package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.ChicoryModule;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CompileOnceTest {
    private static final int THREADS = 8;

    private final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void sameBytesTwiceGiveTheSameCompiledModule() {
        byte[] bytes = bytes(TestModules.RUST);

        CompiledModule first = registry.install("first.wasm", bytes);
        CompiledModule second = registry.install("second.wasm", bytes.clone());

        assertThat(second).isSameAs(first);
        assertThat(ChicoryModule.of(second).machineFactory()).isSameAs(ChicoryModule.of(first).machineFactory());
        assertThat(second.descriptor().name()).isEqualTo("first.wasm");
        assertThat(registry.list()).hasSize(1).extracting(ModuleDescriptor::name).containsExactly("first.wasm");
    }

    @Test
    void differentBytesGiveDifferentModules() {
        byte[] bytes = wat("no-guest-call");
        byte[] variant = TestModules.withCustomSection(bytes, "kelpie-test", new byte[] {1});

        CompiledModule a = registry.install("a.wasm", bytes);
        CompiledModule b = registry.install("b.wasm", variant);

        assertThat(b).isNotSameAs(a);
        assertThat(b.descriptor().hash()).isNotEqualTo(a.descriptor().hash());
        assertThat(registry.list()).hasSize(2);
    }

    @Test
    void modulesDifferingOnlyInCustomSectionsShareOneCompileButKeepTheirSections() {
        byte[] bytes = bytes(TestModules.RUST);
        ChicoryModule a = ChicoryModule.of(registry.install("a.wasm",
                TestModules.withCustomSection(bytes, "kelpie-test", new byte[] {1})));
        ChicoryModule b = ChicoryModule.of(registry.install("b.wasm",
                TestModules.withCustomSection(bytes, "kelpie-test", new byte[] {2})));
        ChicoryModule other = ChicoryModule.of(registry.install("c.wasm", TestModules.withUnusedType(bytes, 3)));

        assertThat(b.descriptor().hash()).isNotEqualTo(a.descriptor().hash());
        assertThat(b.machineFactory()).isSameAs(a.machineFactory());
        assertThat(b.wasmModule()).isSameAs(a.wasmModule()); // Chicory's factory checks the module's identity
        assertThat(a.customSection("kelpie-test")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
        assertThat(b.customSection("kelpie-test")).hasValueSatisfying(v -> assertThat(v).containsExactly(2));
        assertThat(b.customSection("absent")).isEmpty();
        assertThat(other.machineFactory()).isNotSameAs(a.machineFactory());
    }

    @Test
    void concurrentInstallsOfTheSameBytesShareOneCompile() throws Exception {
        byte[] bytes = bytes(TestModules.RUST);

        List<CompiledModule> results = installConcurrently(i -> bytes.clone(), i -> "thread-" + i + ".wasm");

        Set<CompiledModule> distinct = identitySet(results);
        assertThat(distinct).hasSize(1);
        CompiledModule module = results.get(0);
        assertThat(registry.list()).containsExactly(module.descriptor());
        assertThat(module.descriptor().name()).matches("thread-\\d\\.wasm");
        assertThat(registry.find(module.descriptor().hash())).containsSame(module);
    }

    /**
     * Timing-free count of compiles: every compile defines new classes (the compiled machine in its own
     * class loader), so eight concurrent installs of fresh bytes must load about as many classes as one
     * install of equivalent fresh bytes, not eight times as many.
     */
    @Test
    void concurrentInstallsLoadTheClassesOfOneCompile() throws Exception {
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        byte[] rust = bytes(TestModules.RUST);
        // variants of different code: modules that differ only in custom sections share one compile
        IntFunction<byte[]> variant = n -> TestModules.withUnusedType(rust, n);
        // Warm up: the compiler, the executor and everything on the concurrent path.
        registry.install("warm-up-1.wasm", variant.apply(1));
        installConcurrently(i -> variant.apply(2), i -> "warm-up-2.wasm");
        installConcurrently(i -> variant.apply(3), i -> "warm-up-3.wasm");

        long before = classes.getTotalLoadedClassCount();
        registry.install("single.wasm", variant.apply(4));
        long single = classes.getTotalLoadedClassCount() - before;

        before = classes.getTotalLoadedClassCount();
        List<CompiledModule> results = installConcurrently(i -> variant.apply(5), i -> "concurrent-" + i + ".wasm");
        long concurrent = classes.getTotalLoadedClassCount() - before;

        assertThat(identitySet(results)).hasSize(1);
        assertThat(single).as("classes loaded by one compile").isPositive();
        assertThat(concurrent)
                .as("classes loaded by %d concurrent installs (one compile loads %d)", THREADS, single)
                .isLessThan(single * THREADS / 2);
        assertThat(registry.list()).hasSize(5);
    }

    @Test
    void concurrentInstallsOfInvalidBytesAllFailAndLeaveNothing() throws Exception {
        List<Future<CompiledModule>> futures = submitConcurrently(
                i -> TestModules.WRONG_RETURN_TYPE.clone(), i -> "bad-" + i + ".wasm");

        for (int i = 0; i < THREADS; i++) {
            try {
                futures.get(i).get(30, TimeUnit.SECONDS);
                throw new AssertionError("install " + i + " of invalid bytes succeeded");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ModuleRejectedException.class);
                ModuleRejectedException r = (ModuleRejectedException) e.getCause();
                assertThat(r.reason()).isEqualTo(Reason.INVALID);
                assertThat(r.moduleName()).isEqualTo("bad-" + i + ".wasm");
                assertThat(r.getMessage()).contains("'bad-" + i + ".wasm'").contains("invalid");
            }
        }
        assertThat(registry.list()).isEmpty();
        assertThat(registry.find(ChicoryModuleRegistry.sha256(TestModules.WRONG_RETURN_TYPE))).isEmpty();
        assertThat(registry.install("good.wasm", wat("no-memory")).descriptor().name()).isEqualTo("good.wasm");
    }

    private List<CompiledModule> installConcurrently(IntFunction<byte[]> bytes, IntFunction<String> names)
            throws Exception {
        List<CompiledModule> out = new ArrayList<>();
        for (Future<CompiledModule> f : submitConcurrently(bytes, names)) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    /** Submits {@link #THREADS} installs that all start at once behind a gate. */
    private List<Future<CompiledModule>> submitConcurrently(IntFunction<byte[]> bytes, IntFunction<String> names)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CompiledModule>> futures = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            byte[] b = bytes.apply(i);
            String name = names.apply(i);
            Callable<CompiledModule> task = () -> {
                ready.countDown();
                start.await();
                return registry.install(name, b);
            };
            futures.add(pool.submit(task));
        }
        assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
        start.countDown();
        return futures;
    }

    private static Set<CompiledModule> identitySet(List<CompiledModule> modules) {
        Set<CompiledModule> set = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(modules);
        return set;
    }
}
