package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/** The {@code kelpie:*} Gogo commands, run through a real Gogo session of the distribution. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends KelpieTestSupport {
    private CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Before
    public void openSession() {
        await("the kelpie commands are registered", () -> {
            try {
                return context.getServiceReferences((String) null, "(osgi.command.scope=kelpie)") != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
        ServiceReference<CommandProcessor> ref = context.getServiceReference(CommandProcessor.class);
        assertNotNull("Gogo's CommandProcessor is published", ref);
        CommandProcessor processor = context.getService(ref);
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err);
    }

    @After
    public void closeSession() {
        if (session != null) {
            session.close();
        }
    }

    private String run(String command) throws Exception {
        Object result = session.execute(command);
        return result == null ? "" : String.valueOf(result);
    }

    @Test
    public void commands() throws Exception {
        installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));

        String modules = run("kelpie:modules");
        assertTrue(modules, modules.contains("dev.kelpie.module.counter!/wasm/counter.wasm"));
        assertTrue(modules, modules.contains("counter"));

        assertEquals("1", run("kelpie:invoke counter c9 increment"));
        assertEquals("6", run("kelpie:invoke counter c9 increment 5"));

        String actors = run("kelpie:actors");
        assertTrue(actors, actors.contains("counter:c9"));

        String hostfns = run("kelpie:hostfns");
        for (String ns : new String[] {"state", "log", "clock", "random", "actors"}) {
            assertTrue(hostfns, hostfns.contains(ns));
        }
        assertTrue(run("kelpie:adapters").contains("assemblyscript"));

        String stats = run("kelpie:stats");
        assertTrue(stats, stats.contains("counter"));

        String wasm = file(TESTBED_WASM).getAbsolutePath();
        String installed = run("kelpie:install '" + wasm + "' echoer");
        assertTrue(installed, installed.startsWith("installed echoer"));
        assertTrue(typeDeployed("echoer"));
        assertEquals("hi", run("kelpie:invoke echoer e1 echo hi"));
        String types = run("kelpie:types");
        assertTrue(types, types.contains("echoer") && types.contains("counter"));

        // limits as options, a waPC-style host namespace
        String limited = run("kelpie:install --timeout 5s --memory 64MiB --mailbox 100 --payload 64KiB --idle 2m '"
                + wasm + "' limited sample:namespace,greeting");
        assertTrue(limited, limited.startsWith("installed limited"));
        String limits = run("kelpie:types").lines().filter(l -> l.startsWith("limited ")).findFirst().orElse("");
        assertTrue(limits, limits.matches("limited .* 5s +64MiB +100 +core,.*") && limits.contains("sample:namespace"));
        assertEquals(java.time.Duration.ofMinutes(2), runtime.type("limited").orElseThrow().limits().idleTimeout());
        assertEquals(64 * 1024, runtime.type("limited").orElseThrow().limits().maxPayloadBytes());
        try {
            Object answer = session.execute("kelpie:install --timeout 5 '" + wasm + "' limited2");
            fail("a timeout without a unit was accepted: " + answer);
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("invalid --timeout 5: '5' is not a duration"));
        }

        // A file that is not WebAssembly: one line naming the problem, nothing changed.
        String before = run("kelpie:modules");
        Path notWasm = Files.createTempFile(Path.of(required(WORK_DIR)), "not-a-module", ".wasm");
        Files.writeString(notWasm, "this is not WebAssembly\n");
        try {
            Object answer = session.execute("kelpie:install '" + notWasm + "' broken");
            fail("installing a non-wasm file should fail but answered " + answer);
        } catch (Exception e) {
            String message = e.getMessage();
            assertNotNull(e.toString(), message);
            System.out.println("ShellIT: bad install -> " + e.getClass().getSimpleName() + ": " + message);
            assertFalse("one line: " + message, message.contains("\n"));
            assertTrue("names the file: " + message, message.contains(notWasm.getFileName().toString()));
            assertTrue("says why: " + message, message.contains("not a WebAssembly binary"));
        }
        assertEquals("kelpie:modules unchanged by the failed install", before, run("kelpie:modules"));
        assertFalse(typeDeployed("broken"));

        String uninstalled = run("kelpie:uninstall echoer");
        assertTrue(uninstalled, uninstalled.startsWith("uninstalled echoer"));
        assertFalse(typeDeployed("echoer"));
    }
}
