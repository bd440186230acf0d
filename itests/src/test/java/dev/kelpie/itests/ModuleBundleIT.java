package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import java.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** A module bundle's life: start deploys its actor type, stop removes it after the grace, state survives. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModuleBundleIT extends KelpieTestSupport {
    static final ActorId C1 = new ActorId("counter", "c1");

    @Test
    public void installStartInvokeStopUninstall() throws Exception {
        assertFalse(typeDeployed("counter"));
        Bundle counter = installAndStart(COUNTER_JAR);
        assertEquals("dev.kelpie.module.counter", counter.getSymbolicName());
        await("actor type 'counter' deployed by the counter bundle", () -> typeDeployed("counter"));
        ActorType type = runtime.type("counter").orElseThrow();
        assertTrue(type.isWasm());
        ModuleHash module = type.module();
        assertTrue("the module is in the registry", registry.find(module).isPresent());

        assertEquals("1", call("counter", "c1", "increment", ""));
        assertEquals("3", call("counter", "c1", "increment", "2"));
        assertEquals("1", call("counter", "c1", "version", ""));
        assertTrue("counter:c1 is active: " + runtime.actors(),
                runtime.actors().stream().anyMatch(a -> a.id().equals(C1)));

        long stopped = System.nanoTime();
        counter.stop();
        // Stopping suspends the type (on the extender's thread, right after stop returns): the actor is
        // passivated (its state saved) ...
        await("counter:c1 passivated on stop", () -> runtime.actors().stream().noneMatch(a -> a.id().equals(C1)));
        assertTrue("the type is suspended, not removed, during the grace", typeDeployed("counter"));
        // ... and, as the bundle does not come back, the type goes after the update grace (2 s by default).
        await("actor type 'counter' removed after the update grace", Duration.ofSeconds(15), () -> !typeDeployed("counter"));
        long graceMillis = Duration.ofNanos(System.nanoTime() - stopped).toMillis();
        assertTrue("the type was removed only after the grace, not at once (" + graceMillis + " ms)", graceMillis >= 1000);
        await("module removed from the registry", () -> registry.find(module).isEmpty());
        ActorInvocationException e = callFails("counter", "c1", "get", "");
        assertEquals(e.getMessage(), ActorInvocationException.Reason.UNKNOWN_TYPE, e.reason());
        assertTrue(runtime.actors().isEmpty());

        // Started again: the same type, the state kept in the store.
        counter.start();
        await("actor type 'counter' deployed again", () -> typeDeployed("counter"));
        assertEquals("3", call("counter", "c1", "get", ""));

        counter.uninstall();
        forget(counter);
        // Uninstalling removes the type at once (no grace).
        await("actor type 'counter' removed on uninstall", Duration.ofSeconds(2), () -> !typeDeployed("counter"));
        assertTrue(runtime.actors().isEmpty());
        assertTrue(registry.find(module).isEmpty());
    }
}
