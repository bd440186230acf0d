package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.embedded.Kelpie;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kelpie:install --args --env --dir --dir-quota, and what kelpie:types shows of them, with a real C WASI guest. */
class WasiEnvironmentCommandsTest extends ShellTestSupport {
    static final String FILES = "/wasm/c/wasi-files/wasi-files.wasm";

    @TempDir
    Path temp;
    Path wasm;

    @BeforeEach
    void setUp() throws IOException {
        use(Kelpie.builder().wasiRoot(temp.resolve("wasi")).build());
        wasm = Files.write(temp.resolve("files.wasm"), resource(FILES));
    }

    private String install(String args, String env, String dir, String quota) {
        return sh.install("", "", "", "", "", args, env, dir, quota, wasm.toString(), "files");
    }

    @Test
    void installGivesATypeArgumentsVariablesAndADirectoryThatTypesShows() throws IOException {
        String out = run("kelpie:install --args \"files,-v\" --env \"MODE=demo,LANG=C\" --dir files/demo:rw "
                + "--dir-quota 1MiB " + wasm + " files", () -> install("files,-v", "MODE=demo,LANG=C", "files/demo:rw", "1MiB"));
        assertThat(out).startsWith("installed files: files.wasm sha256 ");
        assertThat(sh.invoke("files", "a", "args", null)).isEqualTo("files|-v");
        assertThat(sh.invoke("files", "a", "env", null)).isEqualTo("MODE=demo|LANG=C");
        assertThat(sh.invoke("files", "a", "write", "/data/hello.txt\nfrom the shell")).isEqualTo("ok");
        Path dir = temp.resolve("wasi/files/demo").toRealPath();
        assertThat(dir.resolve("hello.txt")).hasContent("from the shell");
        assertThat(sh.invoke("files", "a", "fill", "/data/big\n2000000")).isEqualTo("errno=19"); // over the 1 MiB quota

        String types = run("kelpie:types", sh::types);
        assertThat(types).endsWith("WASI environments:\n  files: args=[files, -v] env=[MODE=demo, LANG=C] dir=" + dir
                + " (rw, quota 1048576 bytes)");

        // a hot swap without WASI options keeps them; one with options replaces them all
        install("", "", "", "");
        assertThat(sh.invoke("files", "b", "env", null)).isEqualTo("MODE=demo|LANG=C");
        install("", "ONLY=1", "", "");
        assertThat(sh.invoke("files", "c", "env", null)).isEqualTo("ONLY=1");
        assertThat(sh.invoke("files", "c", "args", null)).isEqualTo("(empty)");
        assertThat(sh.invoke("files", "c", "list", "/data")).startsWith("errno=");
    }

    @Test
    void aDirectoryIsReadOnlyUnlessRwIsAsked() throws IOException {
        install("", "", "shared", "");
        Files.writeString(temp.resolve("wasi/shared/note.txt"), "host note");
        assertThat(sh.invoke("files", "a", "read", "/data/note.txt")).isEqualTo("host note");
        assertThat(sh.invoke("files", "a", "write", "/data/note.txt\nx")).isEqualTo("errno=69");
    }

    @Test
    void badOptionsFailNamingTheOptionAndChangeNothing() {
        assertThat(fails("install --env NOVALUE", () -> install("", "NOVALUE", "", "")))
                .isEqualTo("invalid --env NOVALUE: WASI environment variable 'NOVALUE' is not NAME=value");
        assertThat(fails("install --env 9X=1", () -> install("", "9X=1", "", "")))
                .startsWith("invalid --env 9X=1: invalid WASI environment variable name '9X'");
        assertThat(fails("install --dir ../up", () -> install("", "", "../up", "")))
                .isEqualTo("invalid --dir ../up: invalid WASI directory '../up': it contains '..'");
        assertThat(fails("install --dir d --dir-quota 1MiB", () -> install("", "", "d", "1MiB")))
                .isEqualTo("--dir-quota needs a writable directory: --dir d:rw");
        assertThat(fails("install --dir d:rw --dir-quota lots", () -> install("", "", "d:rw", "lots")))
                .startsWith("invalid --dir-quota lots: 'lots' is not a size");
        assertThat(fails("install --dir /etc", () -> install("", "", "/etc", "")))
                .contains("files.wasm").contains("must be relative to the WASI root");
        assertThat(fails("install --args (65)", () -> install("a,".repeat(65), "", "", "")))
                .contains("files.wasm").contains("65 arguments and variables, over the limit of 64 (max_wasi_entries)");
        assertThat(fails("install --env (9 KiB)", () -> install("", "BIG=" + "x".repeat(9000), "", "")))
                .contains("over the limit of 8192 (max_wasi_bytes)");
        assertThat(fails("install --dir-quota 1GiB", () -> install("", "", "d:rw", "1GiB")))
                .contains("over the limit of 67108864 (max_wasi_dir_quota)");
        assertThat(kelpie.actors().type("files")).isEmpty();
    }

    @Test
    void aModuleWithoutWasiIsRefusedAnEnvironment() throws IOException {
        Path counter = Files.write(temp.resolve("counter.wasm"), resource(COUNTER));
        assertThat(fails("install --args x counter.wasm",
                () -> sh.install("", "", "", "", "", "x", "", "", "", counter.toString(), "counter")))
                .contains("does not import WASI");
    }
}
