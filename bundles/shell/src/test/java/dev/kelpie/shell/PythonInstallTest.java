package dev.kelpie.shell;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kelpie:install of a Python actor's source (guest-micropython): the type is named after the .py file. */
class PythonInstallTest extends ShellTestSupport {
    @TempDir
    Path dir;

    static final String PY_COUNTER = String.join("\n",
            "from kelpie import state",
            "",
            "def increment(payload):",
            "    n = int(state.get('count') or b'0') + int(payload or b'1')",
            "    state.set('count', str(n))",
            "    return str(n)",
            "");

    @Test
    void installsAPythonSourceAsATypeNamedAfterIt() throws IOException {
        Path file = dir.resolve("counter.py");
        Files.write(file, PY_COUNTER.getBytes(UTF_8));
        String out = run("kelpie:install " + file, () -> sh.install(file.toString()));
        assertThat(out).startsWith("installed counter: counter.py sha256 ").contains("python");
        assertThat(sh.invoke("counter", "c1", "increment")).isEqualTo("1");
        assertThat(sh.invoke("counter", "c1", "increment", "41")).isEqualTo("42");
    }

    @Test
    void aSyntaxErrorIsReportedWithItsLineAndNothingIsDeployed() throws IOException {
        Path file = dir.resolve("broken.py");
        Files.write(file, "def ok(payload):\n    return payload\n\nx = = 1\n".getBytes(UTF_8));
        Throwable failure = catchThrowable(() -> sh.install(file.toString()));
        assertThat(failure).isInstanceOf(CommandException.class);
        assertThat(failure.getMessage()).contains("broken.py", "line 4", "SyntaxError");
        assertThat(kelpie.actors().type("broken")).isEmpty();
    }
}
