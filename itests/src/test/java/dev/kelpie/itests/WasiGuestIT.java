package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * C guests on wasi-libc (wasm-modules/c) in the distribution: the WASI adapter bundle supplies their
 * {@code wasi_snapshot_preview1} imports, the built-in state bundle their state, and the runtime's
 * invocation timeout ends a guest sleeping in {@code poll_oneoff}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WasiGuestIT extends KelpieTestSupport {
    /** System property: the folder wasm-modules/c with the committed C guests. */
    static final String C_GUESTS_DIR = "kelpie.itests.c.dir";

    private CompiledModule c(String name) throws IOException {
        Path wasm = Path.of(required(C_GUESTS_DIR), name, name + ".wasm");
        return registry.install(name + ".wasm", Files.readAllBytes(wasm));
    }

    @Test
    public void aCCounterKeepsItsStateAndASleepingGuestTimesOut() throws Exception {
        await("the wasi guest adapter", () -> wapcHost.guestAdapters().contains("wasi"));
        runtime.deploy(ActorType.wasm("c-counter", c("counter").descriptor().hash()));
        runtime.deploy(ActorType.wasm("c-sleepy", c("wasi-testbed").descriptor().hash(),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(300))));
        try {
            assertEquals("5", call("c-counter", "k1", "increment", "5"));
            assertEquals("6", call("c-counter", "k1", "increment", ""));
            assertEquals("6", call("c-counter", "k1", "get", ""));
            assertEquals("ok", call("c-sleepy", "s1", "print", "printf from C in OSGi"));

            ActorInvocationException e = callFails("c-sleepy", "s1", "sleep_forever", "");
            assertEquals(e.getMessage(), ActorInvocationException.Reason.TIMEOUT, e.reason());
            String slept = call("c-sleepy", "s1", "sleep", "20");
            assertTrue("slept " + slept + " ms", Long.parseLong(slept) >= 20);
        } finally {
            runtime.undeploy("c-counter");
            runtime.undeploy("c-sleepy");
        }
    }
}
