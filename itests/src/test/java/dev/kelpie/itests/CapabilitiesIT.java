package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

/**
 * Host-namespace capabilities: a module bundle's type may call only the core namespaces and those its
 * {@code Kelpie-Module} header declares. The testbed types declare {@code greeting}; a host function in
 * namespace {@code secrets}, registered here, is refused to them with an error naming the namespace.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CapabilitiesIT extends KelpieTestSupport {
    static final HostFunctionKey READ = new HostFunctionKey("kelpie", "secrets", "read");
    static final String READ_CALL = "kelpie\nsecrets\nread\nthe-key";

    @Test
    public void undeclaredNamespaceIsRefused() throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HostFunction.BINDING, "kelpie");
        props.put(HostFunction.NAMESPACE, "secrets");
        props.put(HostFunction.OPERATION, "read");
        HostFunction secrets = call -> utf8("secret for " + text(call.payload()));
        ServiceRegistration<HostFunction> registration = context.registerService(HostFunction.class, secrets, props);
        try {
            await("kelpie/secrets/read registered", () -> wapcHost.hostFunctions().contains(READ));
            installAndStart(TESTBED_JAR);
            await("actor types 'testbed' and 'testbed-as' deployed", () -> typeDeployed("testbed") && typeDeployed("testbed-as"));
            assertEquals(Set.of("greeting"), runtime.type("testbed").orElseThrow().hostNamespaces());

            for (String type : List.of("testbed", "testbed-as")) {
                ActorInvocationException e = callFails(type, "t1", "host_call", READ_CALL);
                String m = e.getMessage();
                assertEquals(m, ActorInvocationException.Reason.ACTOR_ERROR, e.reason());
                assertTrue(type + ": the refusal names the namespace: " + m, m.contains("'secrets'"));
                assertTrue(type + ": the refusal says it is not declared: " + m, m.contains("not declared"));
                assertFalse(type + ": refused, not missing: " + m, m.contains("no host function"));
                // core namespaces stay callable
                String now = call(type, "t1", "host_call", "kelpie\nclock\nnow_millis\n");
                assertTrue(type + ": clock.now_millis answered '" + now + "'", Long.parseLong(now) > 0);
            }

            // The same module, deployed as a type that declares `secrets`, may call it: the refusal above is
            // the capability check, not a missing function.
            ActorType testbed = runtime.type("testbed").orElseThrow();
            runtime.deploy(ActorType.wasm("testbed-secrets", testbed.module(), testbed.limits())
                    .withHostNamespaces(Set.of("secrets")));
            try {
                assertEquals("secret for the-key", call("testbed-secrets", "s1", "host_call", READ_CALL));
                ActorInvocationException e = callFails("testbed-secrets", "s1", "host_call", "kelpie\ngreeting\nhello\nWorld");
                assertTrue(e.getMessage(), e.getMessage().contains("'greeting'") && e.getMessage().contains("not declared"));
            } finally {
                runtime.undeploy("testbed-secrets");
            }
        } finally {
            registration.unregister();
        }
    }
}
