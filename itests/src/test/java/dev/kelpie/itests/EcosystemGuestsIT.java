package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Guests shaped like the public waPC guest libraries' output (wasm-modules/wat: Rust wapc-guest, TinyGo
 * old and new, Zig, AssemblyScript as-guest with and without WASI) as actors in the distribution: the
 * TinyGo adapter bundle serves the TinyGo shapes, the AssemblyScript adapter takes WASI from the WASI
 * adapter service.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EcosystemGuestsIT extends KelpieTestSupport {
    /** System property: the folder wasm-modules/wat with the committed test modules. */
    static final String WAT_DIR = "kelpie.itests.wat.dir";
    private static final List<String> SHAPES =
            List.of("rust-wapc-guest", "tinygo-legacy", "tinygo-reactor", "zig-wapc", "as-guest", "as-wasi");

    private CompiledModule wat(String name) throws IOException {
        return registry.install(name + ".wasm", Files.readAllBytes(Path.of(required(WAT_DIR), name + ".wasm")));
    }

    @Test
    public void eachShapeRunsAsAnActor() throws Exception {
        await("the tinygo, wasi and assemblyscript guest adapters",
                () -> wapcHost.guestAdapters().containsAll(List.of("tinygo", "wasi", "assemblyscript")));
        for (String shape : SHAPES) {
            runtime.deploy(ActorType.wasm(shape, wat(shape).descriptor().hash()));
        }
        try {
            for (String shape : SHAPES) {
                assertEquals(shape, "hello from " + shape, call(shape, "a", "echo", "hello from " + shape));
                ActorInvocationException e = callFails(shape, "a", "nope", "");
                assertTrue(shape + ": " + e.getMessage(), e.detail().contains("Could not find function"));
            }
            assertEquals("Hello, Ada!", call("tinygo-legacy", "a", "hello", "Ada"));
            assertEquals("Hello, Ada!", call("tinygo-reactor", "a", "hello", "Ada"));
            assertEquals("", call("as-wasi", "a", "print", "AssemblyScript with WASI in OSGi"));
            ActorInvocationException abort = callFails("as-wasi", "a", "abort", "");
            assertTrue(abort.getMessage(), abort.detail().contains("AssemblyScript abort: boom"));
        } finally {
            SHAPES.forEach(runtime::undeploy);
        }
    }
}
