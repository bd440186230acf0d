package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser.ParseContext;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;

/** The interactive console: one-line errors as with --exec, results, end of input; tab completion. */
class ConsoleTest {
    /** A shell that answers a few lines the way Gogo would, failing like a Kelpie command. */
    static final class FakeShell implements Console.Shell {
        final List<String> ran = new ArrayList<>();

        @Override
        public Object execute(String line) throws Exception {
            ran.add(line);
            if (line.startsWith("kelpie:invoke counter c1 increment lots")) {
                throw new RuntimeException("actor error: actor counter:c1, operation 'increment': bad amount: lots");
            }
            if (line.equals("fails twice")) {
                throw new java.lang.reflect.InvocationTargetException(new IllegalStateException("line one\nline two"));
            }
            return line.equals("nothing") ? null : "ran " + line;
        }

        @Override
        public String format(Object result) {
            return result.toString();
        }

        @Override
        public Collection<String> commands() {
            return List.of("kelpie:invoke", "kelpie:install", "kelpie:types", "gogo:echo", "felix:lb");
        }

        @Override
        public List<String> candidates(String kind, String type) {
            return Map.of("types:", List.of("counter", "echo-c"), "actors:counter", List.of("c1", "c2"),
                    "operations:counter", List.of("get", "increment"), "actors:", List.of("counter:c1"))
                    .getOrDefault(kind + ":" + type, List.of());
        }
    }

    @Test
    void failuresPrintTheOneLineOfExecAndTheConsoleEndsAtEndOfInput() throws Exception {
        FakeShell shell = new FakeShell();
        String input = "kelpie:invoke counter c1 increment 41\n\nkelpie:invoke counter c1 increment lots\nnothing\nfails twice\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Terminal terminal = new DumbTerminal("test", Terminal.TYPE_DUMB,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, StandardCharsets.UTF_8)) {
            new Console(shell, null).run(terminal);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("ran kelpie:invoke counter c1 increment 41")
                .contains("error: actor error: actor counter:c1, operation 'increment': bad amount: lots")
                .contains("error: line one line two")
                .doesNotContain("gogo:").doesNotContain("Exception");
        assertThat(shell.ran).containsExactly("kelpie:invoke counter c1 increment 41", "kelpie:invoke counter c1 increment lots",
                "nothing", "fails twice");
        assertThat(new Console(shell, null).runLine("kelpie:invoke counter c1 increment lots"))
                .isEqualTo("error: " + Main.oneLine(new RuntimeException(
                        "actor error: actor counter:c1, operation 'increment': bad amount: lots")));
    }

    private static List<String> complete(String line) {
        ParsedLine parsed = new DefaultParser().parse(line, line.length(), ParseContext.COMPLETE);
        List<Candidate> candidates = new ArrayList<>();
        new KelpieCompleter(new FakeShell()).complete(null, parsed, candidates);
        return candidates.stream().map(Candidate::value).toList();
    }

    @Test
    void completesCommandsTypesActorsAndOperations() {
        assertThat(complete("")).contains("kelpie:invoke", "invoke", "install", "gogo:echo", "felix:lb");
        assertThat(complete("kelpie:invoke ")).containsExactly("counter", "echo-c");
        assertThat(complete("invoke co")).containsExactly("counter", "echo-c"); // the reader filters by prefix
        assertThat(complete("invoke counter ")).containsExactly("c1", "c2");
        assertThat(complete("kelpie:invoke counter c1 ")).containsExactly("get", "increment");
        assertThat(complete("kelpie:invoke counter c1 get ")).isEmpty();
        assertThat(complete("deactivate counter ")).containsExactly("c1", "c2");
        assertThat(complete("uninstall ")).containsExactly("counter", "echo-c");
        assertThat(complete("kelpie:install --timeout 5s x.wasm ")).containsExactly("counter", "echo-c");
        assertThat(complete("kelpie:install --timeout ")).isEmpty();
        assertThat(complete("kelpie:install --env A=1 --dir-quota 1MiB x.wasm ")).containsExactly("counter", "echo-c");
        assertThat(complete("kelpie:reminders ")).containsExactly("counter:c1");
        assertThat(complete("kelpie:tail -n 5 ")).containsExactly("counter:c1");
        assertThat(complete("felix:lb ")).isEmpty();
    }
}
