package dev.kelpie.itests;

import dev.kelpie.api.wasm.ChicoryModule;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Hot unloading leaks nothing: once a module bundle is uninstalled and refreshed, neither its bundle class
 * loader nor the compiled module (with the class loader of its compiled machine code) stays reachable.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClassLoaderLeakIT extends KelpieTestSupport {

    @Test
    public void uninstalledModuleBundleIsCollected() throws Exception {
        Map<String, WeakReference<Object>> refs = useAndUninstall();
        refresh();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> alive = stillReachable(refs);
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            System.gc();
            // give reference processing a moment, then look again (bounded by the deadline)
            Thread.sleep(50);
            alive = stillReachable(refs);
        }
        if (!alive.isEmpty()) {
            fail("still reachable 10 s after uninstall + refresh + GC: " + alive);
        }
    }

    /** Installs, uses and uninstalls the counter bundle; returns only weak references to what it left. */
    private Map<String, WeakReference<Object>> useAndUninstall() throws Exception {
        Bundle counter = installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));
        for (int i = 1; i <= 3; i++) {
            assertEquals(String.valueOf(i), call("counter", "leak", "increment", ""));
        }
        ModuleHash hash = runtime.type("counter").orElseThrow().module();
        CompiledModule compiled = registry.find(hash).orElseThrow();
        Object machineFactory = ChicoryModule.of(compiled).machineFactory();
        ClassLoader machineLoader = machineLoader(compiled);
        assertNotNull("the compiled machine class's loader can be reached", machineLoader);
        assertTrue("the machine class has a loader of its own: " + machineLoader,
                machineLoader != ChicoryModule.of(compiled).wasmModule().getClass().getClassLoader() && machineLoader != ClassLoader.getSystemClassLoader());
        ClassLoader bundleLoader = counter.adapt(BundleWiring.class).getClassLoader();
        assertNotNull("the module bundle has a class loader", bundleLoader);
        Map<String, WeakReference<Object>> refs = Map.of(
                "the module bundle's class loader", new WeakReference<>(bundleLoader),
                "the compiled module " + hash.shortHex(), new WeakReference<>(compiled),
                "the compiled module's machine factory " + machineFactory.getClass().getName(), new WeakReference<>(machineFactory),
                "the compiled machine code's class loader " + machineLoader.getClass().getName(), new WeakReference<>(machineLoader));

        counter.uninstall();
        forget(counter);
        await("actor type 'counter' removed", () -> !typeDeployed("counter"));
        assertTrue("no actor left: " + runtime.actors(), runtime.actors().isEmpty());
        // the runtime drops the type before it passivates the type's actors; the module leaves the registry after
        await("the module left the registry", () -> registry.find(hash).isEmpty());
        return refs;
    }

    /**
     * The class loader of the compiled module's generated machine class (Chicory defines it in a class
     * loader of its own per compiled module). Reached through a throw-away instance: its Chicory
     * {@code Instance}'s machine. Internals, found by field type; null when they cannot be reached.
     */
    private ClassLoader machineLoader(CompiledModule compiled) {
        try (WapcInstance probe = wapcHost.instantiate(compiled, InstanceOptions.labelled("itest-leak-probe"))) {
            Object instance = fieldOfType(probe, "com.dylibso.chicory.runtime.Instance");
            Object machine = instance == null ? null : fieldOfType(instance, "com.dylibso.chicory.runtime.Machine");
            return machine == null ? null : machine.getClass().getClassLoader();
        }
    }

    private static Object fieldOfType(Object owner, String typeName) {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType().getName().equals(typeName)) {
                    try {
                        f.setAccessible(true);
                        return f.get(owner);
                    } catch (RuntimeException | IllegalAccessException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    private void refresh() throws InterruptedException {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        CountDownLatch refreshed = new CountDownLatch(1);
        FrameworkListener listener = event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        };
        wiring.refreshBundles(null, listener);
        assertTrue("packages refreshed within 10 s", refreshed.await(10, TimeUnit.SECONDS));
        assertEquals("no bundle waits for removal", 0, wiring.getRemovalPendingBundles().size());
    }

    private static List<String> stillReachable(Map<String, WeakReference<Object>> refs) {
        List<String> alive = new ArrayList<>();
        refs.forEach((what, ref) -> {
            if (ref.get() != null) {
                alive.add(what);
            }
        });
        return alive;
    }
}
