package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.store.MvStoreStateStore;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged writes survive a SIGKILL: a child JVM runs the runtime with the Rust counter on the
 * MVStore, the test kills it with SIGKILL mid-stream, restarts a runtime on the same directory and
 * checks that every acknowledged increment is there.
 */
@Timeout(120)
class KillDurabilityTest {

    @Test
    void acknowledgedIncrementsSurviveSigkillAndRestart(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CounterWorkload.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        long lastAck = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    lastAck = Long.parseLong(line.substring(4));
                    if (lastAck >= 500) {
                        break;
                    }
                }
            }
            // SIGKILL: no shutdown hooks, no close, no flush of anything not yet committed.
            new ProcessBuilder("kill", "-9", String.valueOf(child.pid())).inheritIO().start().waitFor();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // drain what the child printed before it died: later acks are acknowledged writes too
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    lastAck = Long.parseLong(line.substring(4));
                }
            }
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(lastAck).isGreaterThanOrEqualTo(500);

        try (MvStoreStateStore store = new MvStoreStateStore(dir);
                RuntimeFixture restarted = new RuntimeFixture(store, RuntimeSettings.DEFAULTS)) {
            restarted.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            long recovered = Long.parseLong(new String(
                    restarted.runtime.ref("counter", "durable").call("get", new byte[0]), UTF_8));
            assertThat(recovered).as("every acknowledged increment survived; at most one more was in flight")
                    .isBetween(lastAck, lastAck + 1);
            assertThat(List.of(store.keys(new ActorId("counter", "durable"), ""))).isNotEmpty();
        }
    }
}
