package dev.kelpie.guest.wasi.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.GuestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Line splitting and cutting of stdout/stderr. */
class ConsoleOutputTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final GuestContext context = new GuestContext(null, "t", (ModuleDescriptor m, String label, String line) -> lines.add(line));

    private ConsoleOutput output(int maxLineBytes) {
        return new ConsoleOutput(context, WasiSettings.DEFAULTS.withMaxLineBytes(maxLineBytes));
    }

    @Test
    void linesAreSplitAtNewlinesAcrossWritesAndCarriageReturnsDropped() {
        ConsoleOutput out = output(64);
        out.stdout.write("par".getBytes(UTF_8));
        assertThat(lines).isEmpty();
        out.stdout.write("tial\r\nnext\n\nlast".getBytes(UTF_8));
        out.stderr.write("err\n".getBytes(UTF_8));
        assertThat(lines).containsExactly("partial", "next", "", "stderr: err");
        out.flush();
        assertThat(lines).containsExactly("partial", "next", "", "stderr: err", "last");
        out.flush();
        assertThat(lines).hasSize(5);
    }

    @Test
    void aLineOverTheLimitIsCutAndTheRestOfItSkipped() {
        ConsoleOutput out = output(16);
        out.stdout.write(("a".repeat(40) + "\nshort\n").getBytes(UTF_8));
        assertThat(lines).containsExactly("a".repeat(16) + "…(truncated)", "short");
    }

    @Test
    void linesLongerThanTheFirstBufferGrowItUpToTheLimit() {
        ConsoleOutput out = output(1000);
        String line = "0123456789".repeat(70);
        for (int i = 0; i < line.length(); i += 33) {
            out.stdout.write(line.substring(i, Math.min(line.length(), i + 33)).getBytes(UTF_8));
        }
        out.stdout.write("\nsmall\n".getBytes(UTF_8));
        out.stdout.write(("z".repeat(1200) + "\n").getBytes(UTF_8));
        assertThat(lines).containsExactly(line, "small", "z".repeat(1000) + "…(truncated)");
    }

    @Test
    void invalidUtf8ShowsAsReplacementCharacters() {
        ConsoleOutput out = output(64);
        out.stdout.write(new byte[] {'o', 'k', (byte) 0xff, '\n'});
        assertThat(lines).containsExactly("ok\uFFFD");
    }
}
