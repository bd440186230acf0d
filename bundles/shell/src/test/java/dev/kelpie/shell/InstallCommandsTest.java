package dev.kelpie.shell;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.module.ModuleHash;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** install and uninstall: sources, naming, hot swap, and bad modules that must change nothing. */
class InstallCommandsTest extends ShellTestSupport {
    @TempDir
    Path dir;

    Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    static String hash12(String resource) {
        try {
            return ModuleHash.of(java.security.MessageDigest.getInstance("SHA-256").digest(resource(resource))).shortHex();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void installsAFileAsATypeNamedAfterItAndListsIt() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        String out = run("kelpie:install " + file, () -> sh.install(file.toString()));
        String hash = kelpie.registry().list().get(0).hash().shortHex();
        assertThat(out).matches("installed counter: counter\\.wasm sha256 " + hash + " \\("
                + Files.size(file) + " bytes, rust, compiled in \\d+ ms\\)");

        String modules = run("kelpie:modules", sh::modules);
        assertThat(modules.lines()).hasSize(2);
        assertThat(modules.lines().findFirst().orElseThrow()).matches("NAME +SHA256 +SIZE +LANGUAGE +ADAPTER +MODE +TYPES +IMAGE");
        assertThat(modules.lines().skip(1).findFirst().orElseThrow())
                .matches("counter\\.wasm +" + hash + " +" + Files.size(file) + " +rust +- +compiled +counter +yes");

        String types = run("kelpie:types", sh::types);
        assertThat(types.lines()).containsExactly(
                "TYPE     RUNS                       TIMEOUT  MEMORY  MAILBOX  NAMESPACES",
                "counter  counter.wasm@" + hash + "      30s  256MiB    10000  core");

        assertThat(run("kelpie:invoke counter c1 increment 5", () -> sh.invoke("counter", "c1", "increment", "5")))
                .isEqualTo("5");
    }

    @Test
    void defaultTypeNameIsTheFileNameWithoutWasmSanitised() throws IOException {
        Path file = write("my counter+v1.WASM", resource(COUNTER));
        assertThat(run("kelpie:install '" + file + "'", () -> sh.install(file.toString())))
                .startsWith("installed my_counter_v1: my counter+v1.WASM sha256 ");
        assertThat(kelpie.actors().type("my_counter_v1")).isPresent();
    }

    @Test
    void explicitTypeName() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        assertThat(run("kelpie:install " + file + " tally", () -> sh.install(file.toString(), "tally")))
                .startsWith("installed tally: counter.wasm sha256 ");
        assertThat(sh.invoke("tally", "t", "increment")).isEqualTo("1");
    }

    @Test
    void installsFromAFileUrl() throws IOException {
        String url = write("counter.wasm", resource(COUNTER)).toUri().toString();
        assertThat(url).startsWith("file:");
        assertThat(run("kelpie:install " + url, () -> sh.install(url))).startsWith("installed counter: counter.wasm sha256 ");
        assertThat(sh.invoke("counter", "c", "increment", "2")).isEqualTo("2");
    }

    @Test
    void installsFromAClasspathUrl() {
        // jar: when the example modules come from their jar, file: when from the reactor's target/classes
        URL url = getClass().getResource(TESTBED);
        assertThat(run("kelpie:install " + url, () -> sh.install(url.toString())))
                .startsWith("installed testbed: testbed.wasm sha256 ");
        assertThat(sh.invoke("testbed", "t", "echo", "hi")).isEqualTo("hi");
    }

    @Test
    void installsFromAJarUrl() throws IOException {
        Path jar = dir.resolve("modules.jar");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.zip.ZipEntry("wasm/echo.wasm"));
            out.write(resource(TESTBED));
            out.closeEntry();
        }
        String url = "jar:" + jar.toUri() + "!/wasm/echo.wasm";
        assertThat(run("kelpie:install " + url, () -> sh.install(url))).startsWith("installed echo: echo.wasm sha256 ");
        String missing = "jar:" + jar.toUri() + "!/wasm/nope.wasm";
        assertThat(fails("kelpie:install " + missing, () -> sh.install(missing)))
                .startsWith("module 'nope.wasm' rejected (unreadable): cannot read " + missing + ": ");
    }

    @Test
    void installsFromHttpAndReportsHttpErrors() throws IOException {
        byte[] counter = resource(COUNTER);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/modules/counter.wasm", exchange -> {
            exchange.sendResponseHeaders(200, counter.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(counter);
            }
        });
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String ok = base + "/modules/counter.wasm";
            assertThat(run("kelpie:install " + ok, () -> sh.install(ok))).startsWith("installed counter: counter.wasm sha256 ");
            String before = sh.modules();
            String missing = base + "/modules/gone.wasm";
            assertThat(fails("kelpie:install " + missing, () -> sh.install(missing)))
                    .isEqualTo("module 'gone.wasm' rejected (unreadable): cannot read " + missing + ": HTTP 404 Not Found");
            assertThat(sh.modules()).isEqualTo(before);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void badModulesChangeNothing() throws IOException {
        sh.install(write("counter.wasm", resource(COUNTER)).toString());
        sh.invoke("counter", "c1", "increment", "7");
        String modules = sh.modules();
        String types = sh.types();

        Path missing = dir.resolve("missing.wasm");
        assertThat(fails("kelpie:install " + missing, () -> sh.install(missing.toString())))
                .isEqualTo("module 'missing.wasm' rejected (unreadable): no such file: " + missing.toAbsolutePath());

        assertThat(fails("kelpie:install " + dir, () -> sh.install(dir.toString())))
                .isEqualTo("module '" + dir.getFileName() + "' rejected (unreadable): " + dir.toAbsolutePath() + " is a directory");

        Path garbage = write("garbage.wasm", "this is not webassembly".getBytes());
        assertThat(fails("kelpie:install " + garbage, () -> sh.install(garbage.toString())))
                .isEqualTo("module 'garbage.wasm' rejected (malformed): not a WebAssembly binary "
                        + "(it does not start with the \\0asm magic and a version)");

        Path empty = write("empty.wasm", new byte[0]);
        assertThat(fails("kelpie:install " + empty, () -> sh.install(empty.toString())))
                .isEqualTo("module 'empty.wasm' rejected (empty): no bytes");

        Path invalid = write("invalid.wasm", WRONG_RETURN_TYPE);
        assertThat(fails("kelpie:install " + invalid, () -> sh.install(invalid.toString())))
                .startsWith("module 'invalid.wasm' rejected (invalid): fails validation: ");

        Path unlinkable = write("unlinkable.wasm", resource("/wasm/wat/unsatisfiable-imports.wasm"));
        assertThat(fails("kelpie:install " + unlinkable, () -> sh.install(unlinkable.toString())))
                .startsWith("module unlinkable.wasm@").contains(" not deployed as type 'unlinkable': it cannot be instantiated: ")
                .contains("missing_fn");

        Path good = write("good.wasm", resource(TESTBED));
        assertThat(fails("kelpie:install " + good + " 'bad type'", () -> sh.install(good.toString(), "bad type")))
                .isEqualTo("invalid type name: actor type name 'bad type' has the character ' ' at 3; allowed are A-Z a-z 0-9 . _ -");
        assertThat(fails("kelpie:install " + good + " ''", () -> sh.install(good.toString(), "")))
                .isEqualTo("invalid type name: actor type name must not be empty");
        String longName = "t".repeat(129);
        assertThat(fails("kelpie:install " + good + " ttt...", () -> sh.install(good.toString(), longName)))
                .startsWith("invalid type name: actor type name is 129 bytes, over the limit of 128 bytes");

        assertThat(fails("kelpie:install ftp://example.org/x.wasm", () -> sh.install("ftp://example.org/x.wasm")))
                .isEqualTo("cannot install from 'ftp://example.org/x.wasm': URL scheme 'ftp' is not supported; "
                        + "use a file path or a file:, http:, https: or jar: URL");
        assertThat(fails("kelpie:install ''", () -> sh.install(" "))).isEqualTo("install needs a file or URL: install <file-or-url> [type]");

        // a bad module under the name of a deployed type does not touch that type
        assertThat(fails("kelpie:install " + garbage + " counter", () -> sh.install(garbage.toString(), "counter")))
                .startsWith("module 'garbage.wasm' rejected (malformed)");
        assertThat(fails("kelpie:install " + unlinkable + " counter", () -> sh.install(unlinkable.toString(), "counter")))
                .contains(" not deployed as type 'counter': it cannot be instantiated: ");

        assertThat(sh.modules()).isEqualTo(modules);
        assertThat(sh.types()).isEqualTo(types);
        assertThat(kelpie.registry().list()).hasSize(1);
        assertThat(sh.invoke("counter", "c1", "get")).isEqualTo("7");
    }

    @Test
    void tooLargeModulesAreRefusedBeforeCompiling() throws IOException {
        use(dev.kelpie.embedded.Kelpie.builder().maxModuleBytes(16 * 1024).build());
        sh.install(write("small.wasm", resource(AS_TESTBED)).toString()); // 11.6 KB: fits
        String modules = sh.modules();
        String types = sh.types();
        Path big = write("counter.wasm", resource(COUNTER));
        assertThat(fails("kelpie:install " + big, () -> sh.install(big.toString())))
                .isEqualTo("module 'counter.wasm' rejected (too_large): module is " + Files.size(big)
                        + " bytes, over the size cap of 16384 bytes (max_module_bytes)");
        String url = big.toUri().toString();
        assertThat(fails("kelpie:install " + url, () -> sh.install(url))).contains("(too_large)");
        URL jarOrFile = getClass().getResource(COUNTER);
        assertThat(fails("kelpie:install " + jarOrFile, () -> sh.install(jarOrFile.toString())))
                .startsWith("module 'counter.wasm' rejected (too_large): module is ")
                .endsWith("over the size cap of 16384 bytes (max_module_bytes)");
        assertThat(sh.modules()).isEqualTo(modules);
        assertThat(sh.types()).isEqualTo(types);
    }

    @Test
    void installingUnderAnExistingTypeHotSwapsIt() throws IOException {
        Path counter = write("counter.wasm", resource(COUNTER));
        Path testbed = write("testbed.wasm", resource(TESTBED));
        String counterHash = hash12(COUNTER);
        sh.install(counter.toString(), "svc");
        assertThat(sh.invoke("svc", "a", "increment")).isEqualTo("1");

        String out = run("kelpie:install " + testbed + " svc", () -> sh.install(testbed.toString(), "svc"));
        assertThat(out).matches("installed svc: testbed\\.wasm sha256 [0-9a-f]{12} \\(\\d+ bytes, rust, compiled in \\d+ ms\\) "
                + "\\(replaced " + counterHash + "\\)");
        assertThat(run("kelpie:invoke svc a echo swapped", () -> sh.invoke("svc", "a", "echo", "swapped"))).isEqualTo("swapped");
        // the old module ran no other type: it left the registry with the swap
        String modules = run("kelpie:modules", sh::modules);
        assertThat(modules).contains("testbed.wasm").doesNotContain("counter.wasm");

        // and back: state carried over across both swaps
        assertThat(run("kelpie:install " + counter + " svc", () -> sh.install(counter.toString(), "svc")))
                .endsWith("(replaced " + hash12(TESTBED) + ")");
        assertThat(sh.invoke("svc", "a", "get")).isEqualTo("1");

        // the same module again: nothing to swap
        assertThat(run("kelpie:install " + counter + " svc", () -> sh.install(counter.toString(), "svc")))
                .endsWith(", already installed) (unchanged: the type already ran this module)");
    }

    @Test
    void hotSwapKeepsAModuleOtherTypesStillRun() throws IOException {
        Path counter = write("counter.wasm", resource(COUNTER));
        sh.install(counter.toString(), "a");
        sh.install(counter.toString(), "b");
        sh.install(write("testbed.wasm", resource(TESTBED)).toString(), "a");
        assertThat(run("kelpie:modules", sh::modules)).containsPattern("counter\\.wasm .* b +yes\\n").containsPattern("testbed\\.wasm .* a +yes$");
    }

    @Test
    void uninstallUndeploysPassivatesAndRemovesTheModule() throws IOException {
        Path counter = write("counter.wasm", resource(COUNTER));
        sh.install(counter.toString());
        sh.invoke("counter", "c1", "increment");
        String label = kelpie.registry().list().get(0).label();
        assertThat(run("kelpie:uninstall counter", () -> sh.uninstall("counter")))
                .isEqualTo("uninstalled counter (1 actor passivated); removed module " + label);
        assertThat(run("kelpie:types", sh::types)).isEqualTo("(no actor types deployed)");
        assertThat(run("kelpie:modules", sh::modules)).isEqualTo("(no modules installed)");
        assertThat(sh.actors()).isEqualTo("(no active actors)");
        assertThat(fails("kelpie:invoke counter c1 get", () -> sh.invoke("counter", "c1", "get")))
                .contains("no actor type 'counter' is deployed");
    }

    @Test
    void uninstallKeepsAModuleAnotherTypeRuns() throws IOException {
        Path counter = write("counter.wasm", resource(COUNTER));
        sh.install(counter.toString(), "a");
        sh.install(counter.toString(), "b");
        String label = kelpie.registry().list().get(0).label();
        assertThat(run("kelpie:uninstall a", () -> sh.uninstall("a")))
                .isEqualTo("uninstalled a (0 actors passivated); module " + label + " kept, used by b");
        assertThat(sh.invoke("b", "x", "increment")).isEqualTo("1");
        assertThat(run("kelpie:uninstall b", () -> sh.uninstall("b"))).endsWith("removed module " + label);
    }

    @Test
    void uninstallOfAnUnknownTypeNamesItAndTheDeployedOnes() throws IOException {
        assertThat(fails("kelpie:uninstall nope", () -> sh.uninstall("nope")))
                .isEqualTo("no actor type 'nope' is deployed; deployed types: (none)");
        sh.install(write("counter.wasm", resource(COUNTER)).toString());
        sh.install(write("testbed.wasm", resource(TESTBED)).toString());
        assertThat(fails("kelpie:uninstall nope", () -> sh.uninstall("nope")))
                .isEqualTo("no actor type 'nope' is deployed; deployed types: counter, testbed");
    }

    @Test
    void uninstallOfANativeType() {
        kelpie.deployNative("greeter", () -> (ctx, op, payload) -> "hi".getBytes());
        assertThat(run("kelpie:types", sh::types)).contains("greeter  native");
        assertThat(run("kelpie:uninstall greeter", () -> sh.uninstall("greeter"))).isEqualTo("uninstalled greeter (0 actors passivated)");
    }

    @Test
    void moduleHashesInOutputAreTheRegistrysIdentity() throws IOException {
        sh.install(write("counter.wasm", resource(COUNTER)).toString());
        ModuleHash hash = kelpie.registry().list().get(0).hash();
        assertThat(sh.modules()).contains(hash.shortHex());
        assertThat(sh.types()).contains("counter.wasm@" + hash.shortHex());
    }

    @Test
    void installTakesTheTypesLimitsAsOptions() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        run("kelpie:install --timeout 5s --memory 64MiB --mailbox 100 --payload 64KiB --idle 2m " + file + " c",
                () -> sh.install("5s", "64MiB", "100", "64KiB", "2m", file.toString(), "c"));
        ActorLimits limits = kelpie.actors().type("c").orElseThrow().limits();
        assertThat(limits).isEqualTo(new ActorLimits(Duration.ofSeconds(5), 64L << 20, 64 << 10, 100, Duration.ofMinutes(2)));
        assertThat(sh.types()).containsPattern("c +counter\\.wasm@\\w+ +5s +64MiB +100 +core");

        // a hot swap with one option keeps the other limits of the type
        sh.install("", "", "7", "", "", file.toString(), "c");
        assertThat(kelpie.actors().type("c").orElseThrow().limits()).isEqualTo(limits.withMailboxCapacity(7));
        // without options, a hot swap keeps them all
        sh.install(file.toString(), "c");
        assertThat(kelpie.actors().type("c").orElseThrow().limits()).isEqualTo(limits.withMailboxCapacity(7));
    }

    @Test
    void badLimitOptionsNameTheOptionAndChangeNothing() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        assertThatThrownBy(() -> sh.install("5", "", "", "", "", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessage("invalid --timeout 5: '5' is not a duration like 500ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> sh.install("", "lots", "", "", "", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessageStartingWith("invalid --memory lots: ");
        assertThatThrownBy(() -> sh.install("", "", "0", "", "", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessage("invalid --mailbox 0: mailboxCapacity must be at least 1, was 0");
        assertThatThrownBy(() -> sh.install("", "", "many", "", "", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessageStartingWith("invalid --mailbox many: ");
        assertThatThrownBy(() -> sh.install("", "", "", "4GiB", "", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessageContaining("over the largest payload limit");
        assertThatThrownBy(() -> sh.install("", "", "", "", "0s", file.toString(), "c"))
                .isInstanceOf(CommandException.class).hasMessageStartingWith("invalid --idle 0s: ");
        assertThat(kelpie.actors().type("c")).isEmpty();
    }

    @Test
    void installAcceptsWapcStyleHostNamespaces() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        sh.install(file.toString(), "c", "sample:namespace, actors");
        assertThat(kelpie.actors().type("c").orElseThrow().hostNamespaces()).containsExactlyInAnyOrder("sample:namespace", "actors");
        assertThatThrownBy(() -> sh.install(file.toString(), "d", "a\"b"))
                .isInstanceOf(CommandException.class).hasMessageContaining("invalid host namespace 'a\"b'");
    }

    @Test
    void installDeclaresHostNamespacesBesidesTheCoreOnes() throws IOException {
        Path file = write("counter.wasm", resource(COUNTER));
        run("kelpie:install " + file + " caller actors", () -> sh.install(file.toString(), "caller", "actors"));
        run("kelpie:install " + file + " loner", () -> sh.install(file.toString(), "loner"));

        assertThat(sh.types()).contains("core,actors");
        assertThat(sh.invoke("caller", "a", "call", "loner\nb\nincrement\n")).isEqualTo("1");
        assertThatThrownBy(() -> sh.invoke("loner", "b", "call", "caller\na\nget\n"))
                .isInstanceOf(CommandException.class).hasMessageContaining("host namespace 'actors' is not declared");
        assertThatThrownBy(() -> sh.install(file.toString(), "bad", "a b"))
                .isInstanceOf(CommandException.class).hasMessageContaining("invalid host namespace 'a b'");
    }
    /** A named pipe made with mkfifo, or null (the test is then skipped) where there is no mkfifo. */
    Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        org.assertj.core.api.Assertions.assertThat(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0 ? fifo : null;
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aNamedPipeIsRefusedInsteadOfHangingTheShell() throws Exception {
        Path fifo = fifo("module.wasm");
        org.junit.jupiter.api.Assumptions.assumeTrue(fifo != null, "mkfifo is not available");
        String message = fails("kelpie:install " + fifo, () -> sh.install(fifo.toString()));
        assertThat(message).contains("module 'module.wasm' rejected (unreadable)").contains(fifo.toString())
                .contains("not a regular file");
        String url = fifo.toUri().toString();
        assertThat(fails("kelpie:install " + url, () -> sh.install(url))).contains("not a regular file");
        String jar = "jar:" + url + "!/wasm/counter.wasm";
        assertThat(fails("kelpie:install " + jar, () -> sh.install(jar))).contains("not a regular file");
        assertThat(kelpie.registry().list()).isEmpty();
        assertThat(kelpie.actors().types()).isEmpty();
    }
}
