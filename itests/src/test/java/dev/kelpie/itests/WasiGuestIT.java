package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * C guests on wasi-libc (wasm-modules/c) in the distribution: the WASI adapter bundle supplies their
 * {@code wasi_snapshot_preview1} imports, the built-in state bundle their state, and the runtime's
 * invocation timeout ends a guest sleeping in {@code poll_oneoff}; a module bundle's {@code Kelpie-Module}
 * header gives a C guest its arguments, environment and a confined directory under {@code data/wasi}.
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

    @Test
    public void aModuleBundlesHeaderGivesAGuestArgumentsEnvironmentAndAConfinedDirectory() throws Exception {
        await("the wasi guest adapter", () -> wapcHost.guestAdapters().contains("wasi"));
        Path jar = Path.of(required(WORK_DIR)).resolve("wasi-files-module.jar");
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "dev.kelpie.itests.wasi.files");
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Kelpie-Module", "c-files;path=wasm/wasi-files.wasm;args=\"files,-v\";env=\"MODE=itest,EMPTY=\";"
                + "dir=itest/files;dir-mode=rw;dir-quota=1MiB");
        Files.createDirectories(jar.getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.putNextEntry(new JarEntry("wasm/wasi-files.wasm"));
            j.write(Files.readAllBytes(Path.of(required(C_GUESTS_DIR), "wasi-files", "wasi-files.wasm")));
            j.closeEntry();
        }
        Bundle bundle = context.installBundle(jar.toUri().toString());
        try {
            bundle.start();
            await("actor type 'c-files' deployed by its module bundle", () -> typeDeployed("c-files"));
            GuestEnvironment env = runtime.type("c-files").orElseThrow().environment();
            Path dir = Path.of(required("kelpie.home"), "data", "wasi", "itest", "files").toRealPath();
            assertEquals(List.of("files", "-v"), env.arguments());
            assertEquals(dir.toString(), env.directory());

            assertEquals("files|-v", call("c-files", "f1", "args", ""));
            assertEquals("MODE=itest|EMPTY=", call("c-files", "f1", "env", ""));
            assertEquals("ok", call("c-files", "f1", "write", "/data/hello.txt\nfrom OSGi"));
            assertEquals("from OSGi", Files.readString(dir.resolve("hello.txt")));
            assertEquals("hello.txt", call("c-files", "f1", "list", "/data"));
            // no way out: .., an absolute path, a link made on the host side
            Files.writeString(dir.getParent().resolve("secret.txt"), "secret");
            Files.createSymbolicLink(dir.resolve("link.txt"), dir.getParent().resolve("secret.txt"));
            assertEquals("errno=76", call("c-files", "f1", "raw_open", "../secret.txt"));
            assertEquals("errno=76", call("c-files", "f1", "raw_open", dir.getParent().resolve("secret.txt").toString()));
            assertEquals("errno=76", call("c-files", "f1", "read", "/data/link.txt"));
            assertEquals("errno=19", call("c-files", "f1", "fill", "/data/big\n2000000")); // over dir-quota
        } finally {
            bundle.uninstall();
        }
        await("actor type 'c-files' removed on uninstall", () -> !typeDeployed("c-files"));
    }
}
