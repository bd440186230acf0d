package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Standard Go guests (wasm-modules/go) in the distribution: the Go adapter bundle drives them from a
 * thread per instance, composing WASI from the WASI bundle; the built-in state bundle keeps their
 * state; the invocation timeout ends a spinning handler; passivation ends the actor's Go thread.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GoGuestIT extends KelpieTestSupport {
    /** System property: the folder wasm-modules/go with the committed Go guests. */
    static final String GO_GUESTS_DIR = "kelpie.itests.go.dir";

    private CompiledModule go(String name) throws IOException {
        Path wasm = Path.of(required(GO_GUESTS_DIR), name, name + ".wasm");
        return registry.install("go-" + name + ".wasm", Files.readAllBytes(wasm));
    }

    private static boolean goThread(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals(name));
    }

    @Test
    public void aGoCounterKeepsItsStateTimesOutAndPassivates() throws Exception {
        await("the go guest adapter", () -> wapcHost.guestAdapters().contains("go"));
        runtime.deploy(ActorType.wasm("go-counter", go("counter").descriptor().hash(),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(5))));
        try {
            assertEquals("5", call("go-counter", "k1", "increment", "5"));
            assertEquals("6", call("go-counter", "k1", "increment", ""));
            assertEquals("6", call("go-counter", "k1", "get", ""));
            assertTrue(goThread("kelpie-go-go-counter:k1"));

            ActorInvocationException e = callFails("go-counter", "k1", "add_then_spin", "");
            assertEquals(e.getMessage(), ActorInvocationException.Reason.TIMEOUT, e.reason());
            assertEquals("6", call("go-counter", "k1", "get", ""));

            assertTrue(runtime.deactivate(new ActorId("go-counter", "k1")).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertTrue("the Go thread ended with the passivation", !goThread("kelpie-go-go-counter:k1"));
            assertEquals("7", call("go-counter", "k1", "increment", ""));
        } finally {
            runtime.undeploy("go-counter");
        }
    }
}
