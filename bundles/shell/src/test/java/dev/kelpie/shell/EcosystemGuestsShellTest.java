package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guests shaped like the public waPC guest libraries' output (wasm-modules/wat: Rust wapc-guest, TinyGo
 * old and new, Zig, AssemblyScript as-guest with and without WASI) installed and invoked from the shell.
 */
class EcosystemGuestsShellTest extends ShellTestSupport {
    @TempDir
    Path dir;

    private Path file(String shape) throws IOException {
        Path file = dir.resolve(shape + ".wasm");
        Files.write(file, resource("/wasm/wat/" + shape + ".wasm"));
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rust-wapc-guest", "tinygo-legacy", "tinygo-reactor", "zig-wapc", "as-guest", "as-wasi"})
    void eachShapeInstallsAndAnswersFromTheShell(String shape) throws IOException {
        Path file = file(shape);
        assertThat(run("kelpie:install " + file + " " + shape, () -> sh.install(file.toString(), shape)))
                .startsWith("installed " + shape);
        assertThat(run("kelpie:invoke " + shape + " x echo hello", () -> sh.invoke(shape, "x", "echo", "hello")))
                .isEqualTo("hello");
        assertThat(fails("kelpie:invoke " + shape + " x nope", () -> sh.invoke(shape, "x", "nope")))
                .contains("Could not find function");
    }

    @Test
    void modulesListsTinyGoModulesAsTinyGo() throws IOException {
        Path file = file("tinygo-reactor");
        sh.install(file.toString(), "tg");
        assertThat(run("kelpie:modules", sh::modules)).contains("tinygo");
    }
}
