package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.timers.ActorTimers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The counter's {@code remind}: a durable reminder set through the host function, then the timers bundle, the
 * actor runtime and the state store are stopped and started again before it is due; it fires after the
 * restart and increments the counter. Timers: passivation ends them.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RemindersIT extends KelpieTestSupport {
    static final String TIMERS = "dev.kelpie.timers";
    static final String RUNTIME = "dev.kelpie.runtime";
    static final String STORE = "dev.kelpie.store.mvstore";

    /** The runtime service now (the injected one goes away with the runtime bundle). */
    private ActorRuntime currentRuntime() {
        ServiceReference<ActorRuntime> ref = context.getServiceReference(ActorRuntime.class);
        return ref == null ? null : context.getService(ref);
    }

    private String invoke(String type, String id, String operation, String payload) {
        ActorRuntime r = currentRuntime();
        assertNotNull("an actor runtime service", r);
        return new String(r.ref(type, id).call(operation, payload.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    public void aReminderFiresAfterTheRuntimeRestarts() throws Exception {
        assertTrue("the timers and reminders host functions are registered: " + wapcHost.hostFunctions(),
                wapcHost.hostFunctions().contains(new HostFunctionKey("kelpie", "reminders", "set")));
        installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));
        assertEquals("1", call("counter", "r1", "increment", ""));
        assertEquals("ok", call("counter", "r1", "remind", "3000 41"));

        Bundle timers = bundleNamed(TIMERS);
        Bundle runtimeBundle = bundleNamed(RUNTIME);
        Bundle store = bundleNamed(STORE);
        timers.stop();
        runtimeBundle.stop();
        store.stop();
        assertEquals(null, context.getServiceReference(ActorRuntime.class));
        store.start();
        runtimeBundle.start();
        timers.start();

        await("actor type 'counter' deployed again after the restart",
                () -> currentRuntime() != null && currentRuntime().type("counter").isPresent());
        assertEquals("the reminder has not fired yet", "1", invoke("counter", "r1", "get", ""));
        await("the reminder incremented counter:r1 after the restart", Duration.ofSeconds(20),
                () -> invoke("counter", "r1", "get", "").equals("42"));
    }

    @Test
    public void passivationEndsAnActorsTimers() throws Exception {
        installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));
        ActorRuntime r = currentRuntime();
        // a timer set through the Java service (as a native actor would) for an active actor, then passivation
        ActorTimers timers = context.getService(context.getServiceReference(ActorTimers.class));
        ActorId t1 = new ActorId("counter", "t1");
        assertEquals("1", invoke("counter", "t1", "increment", ""));
        timers.setTimer(t1, "tick", "increment", Duration.ofMillis(100), Duration.ofMillis(100), new byte[0]);
        await("the timer increments counter:t1", () -> Long.parseLong(invoke("counter", "t1", "get", "")) >= 3);
        r.deactivate(t1).toCompletableFuture().get();
        assertTrue("passivation ended the timer", timers.timers(t1).isEmpty());
    }
}
