package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * A host-function bundle comes and goes while guests run: the example greeting bundle registers
 * {@code kelpie/greeting/hello}; the testbed guests (Rust and AssemblyScript), which declare the namespace
 * {@code greeting}, can call it exactly while it is there.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostFunctionBundleIT extends KelpieTestSupport {
    static final HostFunctionKey HELLO = new HostFunctionKey("kelpie", "greeting", "hello");
    static final String HELLO_CALL = "kelpie\ngreeting\nhello\nWorld";

    @Test
    public void greetingBundleComesAndGoes() throws Exception {
        installAndStart(TESTBED_JAR);
        await("actor types 'testbed' and 'testbed-as' deployed", () -> typeDeployed("testbed") && typeDeployed("testbed-as"));

        for (String type : List.of("testbed", "testbed-as")) {
            assertMissing(callFails(type, "t1", "host_call", HELLO_CALL));
        }

        Bundle greeting = installAndStart(GREETING_JAR);
        assertEquals("com.example.greeting", greeting.getSymbolicName());
        await("kelpie/greeting/hello registered", () -> wapcHost.hostFunctions().contains(HELLO));
        for (String type : List.of("testbed", "testbed-as")) {
            String answer = call(type, "t1", "host_call", HELLO_CALL);
            assertTrue(type + " answered '" + answer + "'", answer.startsWith("Hello, World! (from "));
            // the host function's own error comes back as the guest's host error
            ActorInvocationException e = callFails(type, "t1", "host_call", "kelpie\ngreeting\nhello\n");
            assertTrue(e.getMessage(), e.getMessage().contains("greeting.hello needs a name"));
        }

        greeting.stop();
        await("kelpie/greeting/hello gone after stop", () -> !wapcHost.hostFunctions().contains(HELLO));
        for (String type : List.of("testbed", "testbed-as")) {
            assertMissing(callFails(type, "t1", "host_call", HELLO_CALL));
        }

        greeting.start();
        await("kelpie/greeting/hello back after start", () -> wapcHost.hostFunctions().contains(HELLO));
        assertTrue(call("testbed", "t1", "host_call", HELLO_CALL).startsWith("Hello, World!"));

        greeting.uninstall();
        forget(greeting);
        assertFalse("kelpie/greeting/hello gone after uninstall", wapcHost.hostFunctions().contains(HELLO));
        for (String type : List.of("testbed", "testbed-as")) {
            assertMissing(callFails(type, "t1", "host_call", HELLO_CALL));
        }
        // the actors stayed healthy throughout: a plain call still works
        assertEquals("still here", call("testbed", "t1", "echo", "still here"));
    }

    static void assertMissing(ActorInvocationException e) {
        String m = e.getMessage();
        assertEquals(m, ActorInvocationException.Reason.ACTOR_ERROR, e.reason());
        assertTrue("the error names the missing host function: " + m,
                m.contains("no host function") && m.contains("'greeting'") && m.contains("'hello'"));
    }
}
