package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.instantiate;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.Instance;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.CompiledModule;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

class RemoveTest {

    private final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    @Test
    void removeForgetsTheModuleOnce() {
        CompiledModule keep = registry.install("keep.wasm", wat("no-memory"));
        CompiledModule gone = registry.install("gone.wasm", wat("no-guest-call"));
        ModuleHash hash = gone.descriptor().hash();
        assertThat(registry.list()).hasSize(2);

        assertThat(registry.remove(hash)).isTrue();
        assertThat(registry.remove(hash)).isFalse();

        assertThat(registry.find(hash)).isEmpty();
        assertThat(registry.list()).containsExactly(keep.descriptor());
        assertThat(registry.find(keep.descriptor().hash())).containsSame(keep);
    }

    @Test
    void removeOfUnknownHashIsFalse() {
        assertThat(registry.remove(ModuleHash.parse("ab".repeat(32)))).isFalse();
        assertThat(registry.find(ModuleHash.parse("ab".repeat(32)))).isEmpty();
    }

    @Test
    void instancesOutliveRemoval() {
        CompiledModule module = registry.install("no-guest-call.wasm", wat("no-guest-call"));
        Instance instance = instantiate(module);

        registry.remove(module.descriptor().hash());

        assertThat(instance.export("hello").apply()).containsExactly(42L);
        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
    }

    @Test
    void reinstallAfterRemoveCompilesAFreshModule() {
        byte[] bytes = wat("no-guest-call");
        CompiledModule first = registry.install("first.wasm", bytes);
        registry.remove(first.descriptor().hash());

        CompiledModule second = registry.install("second.wasm", bytes);

        assertThat(second).isNotSameAs(first);
        assertThat(second.descriptor().hash()).isEqualTo(first.descriptor().hash());
        assertThat(second.descriptor().name()).isEqualTo("second.wasm");
        assertThat(registry.list()).extracting(ModuleDescriptor::name).containsExactly("second.wasm");
    }

    @Test
    void removingAModuleFreesItsCompiledClasses() throws InterruptedException {
        WeakReference<ClassLoader> loader = installInstantiateAndRemove(registry, wat("no-guest-call"), false);

        assertThat(collected(loader, 50)).as("class loader of the removed module's compiled machine is collected").isTrue();
    }

    @Test
    void removingTheRustTestbedFreesItsCompiledClasses() throws InterruptedException {
        WeakReference<ClassLoader> loader = installInstantiateAndRemove(registry, bytes(TestModules.RUST), true);

        assertThat(collected(loader, 50)).isTrue();
    }

    /** Control: as long as the registry holds the module, its compiled classes stay. */
    @Test
    void installedModuleKeepsItsCompiledClasses() throws InterruptedException {
        byte[] bytes = wat("no-guest-call");
        WeakReference<ClassLoader> loader = installInstantiateAndRemove(registry, bytes, false, false);

        assertThat(collected(loader, 5)).isFalse();
        assertThat(registry.find(ChicoryModuleRegistry.sha256(bytes))).isPresent();
    }

    private static WeakReference<ClassLoader> installInstantiateAndRemove(
            ChicoryModuleRegistry registry, byte[] bytes, boolean wapc) {
        return installInstantiateAndRemove(registry, bytes, wapc, true);
    }

    /** Kept out of the test method so no local variable keeps the module reachable. */
    private static WeakReference<ClassLoader> installInstantiateAndRemove(
            ChicoryModuleRegistry registry, byte[] bytes, boolean wapc, boolean remove) {
        CompiledModule module = registry.install("collectable.wasm", bytes);
        Instance instance = wapc ? instantiate(module, TestModules.noOpWapcImports()) : instantiate(module);
        if (wapc) {
            instance.export("wapc_init").apply();
        } else {
            assertThat(instance.export("hello").apply()).containsExactly(42L);
        }
        ClassLoader loader = instance.getMachine().getClass().getClassLoader();
        assertThat(loader).isNotNull().isNotSameAs(Instance.class.getClassLoader());
        if (remove) {
            assertThat(registry.remove(module.descriptor().hash())).isTrue();
        }
        return new WeakReference<>(loader);
    }

    private static boolean collected(WeakReference<?> ref, int attempts) throws InterruptedException {
        for (int i = 0; i < attempts && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return ref.get() == null;
    }
}
