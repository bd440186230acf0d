package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the assembled distribution, {@code target/kelpie/bin/kelpie --exec ...}, as a process: the counter
 * module bundle of {@code deploy/} is deployed at start, its state is durable across two runs over the same
 * data directory, a failing command makes the exit status 1 with a one-line error, and the start-up time is
 * printed.
 */
class KelpieDistributionIT {
    private static final Pattern READY = Pattern.compile("(?m)^Kelpie ready in (\\d+) ms$");
    private static final long RUN_TIMEOUT_SECONDS = 60;

    private static Path kelpie;

    @TempDir
    Path output;

    @BeforeAll
    static void distribution() {
        Path dist = Path.of(System.getProperty("kelpie.dist", "target/kelpie"));
        kelpie = dist.resolve("bin/kelpie");
        assertThat(kelpie).as("the assembled launcher script").isExecutable();
    }

    @Test
    void counterStateIsDurableAcrossTwoRunsAndStartUpTimeIsPrinted() throws Exception {
        String id = "it-" + UUID.randomUUID();

        Run first = exec("kelpie:invoke counter " + id + " increment; kelpie:invoke counter " + id + " increment");
        assertThat(first.status).as("exit status; stderr:%n%s", first.err).isZero();
        assertThat(first.outLines()).containsExactly("1", "2");
        assertThat(first.errorLines()).isEmpty();
        Matcher ready = READY.matcher(first.err);
        assertThat(ready.find()).as("a 'Kelpie ready in N ms' line in%n%s", first.err).isTrue();
        assertThat(Long.parseLong(ready.group(1))).isPositive();

        Run second = exec("kelpie:invoke counter " + id + " get; kelpie:invoke counter " + id + " increment 40");
        assertThat(second.status).as("exit status; stderr:%n%s", second.err).isZero();
        assertThat(second.outLines()).containsExactly("2", "42");
    }

    @Test
    void aFailingCommandMakesTheExitStatusOneWithAOneLineError() throws Exception {
        String id = "it-" + UUID.randomUUID();

        Run run = exec("kelpie:invoke counter " + id + " increment; kelpie:invoke counter " + id
                + " increment not-a-number; kelpie:types");
        assertThat(run.status).as("exit status; stderr:%n%s", run.err).isEqualTo(1);
        // the commands around the failing one still ran
        assertThat(run.outLines()).startsWith("1");
        assertThat(run.out).contains("counter");
        // one line, no stack trace
        assertThat(run.errorLines()).singleElement().asString()
                .startsWith("error: ")
                .contains("bad amount: not-a-number");
        assertThat(run.err).doesNotContain("\tat ").doesNotContain("Exception:");
        assertThat(READY.matcher(run.err).find()).isTrue();
    }

    @Test
    void anUnknownCommandFailsLikeAnyOther() throws Exception {
        Run run = exec("kelpie:no-such-command");
        assertThat(run.status).isEqualTo(1);
        assertThat(run.errorLines()).containsExactly("error: Command not found: kelpie:no-such-command");
    }

    // ---------------------------------------------------------------------------------------------

    private Run exec(String commands) throws IOException, InterruptedException {
        String name = UUID.randomUUID().toString();
        File out = output.resolve(name + ".out").toFile();
        File err = output.resolve(name + ".err").toFile();
        ProcessBuilder builder = new ProcessBuilder(kelpie.toString(), "--exec", commands)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out)
                .redirectError(err);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("KELPIE_OPTS");
        Process process = builder.start();
        if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("bin/kelpie --exec \"" + commands + "\" did not end within "
                    + RUN_TIMEOUT_SECONDS + " s; stderr:\n" + Files.readString(err.toPath()));
        }
        return new Run(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    private record Run(int status, String out, String err) {
        List<String> outLines() {
            return out.lines().collect(Collectors.toList());
        }

        List<String> errorLines() {
            return err.lines().filter(l -> l.startsWith("error")).collect(Collectors.toList());
        }
    }
}
