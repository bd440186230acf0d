package dev.kelpie.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.kelpie.api.actor.ActorId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM that is committing turns with SIGKILL, then checks that every acknowledged turn is in the
 * store whole and that no turn is there in part. Three rounds on one directory, so recovery after a kill
 * and writing on after it are covered too.
 */
class SigkillDurabilityTest {
    private static final ActorId ACTOR = CrashingWriter.ACTOR;
    private static final int ACKS_PER_ROUND = 300;
    private static final int ROUNDS = 3;
    private static final String EOF = "\u0000EOF";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedTurnSurvivesSigkillWhole() throws Exception {
        long stored = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            long acked = runAndKill(round, stored);
            assertThat(acked).isGreaterThan(stored);
            stored = verify(acked);
        }
    }

    /**
     * Group commit under load: 8 threads commit turns of 8 actors concurrently, so the commits hold turns
     * of many actors; after a SIGKILL every actor has every acknowledged turn, whole, and no turn in part.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedTurnOfManyActorsSurvivesSigkillWhole() throws Exception {
        int threads = 8;
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = dir.resolve("many.err");
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashingWriter.class.getName(), dir.resolve("data").toString(), String.valueOf(threads))
                .redirectError(stderr.toFile()).start();
        long[] acked = new long[threads];
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            int acks = 0;
            String line;
            while (acks < 2000 && (line = r.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    String[] p = line.split(" ");
                    acked[Integer.parseInt(p[1])] = Long.parseLong(p[2]);
                    acks++;
                }
            }
            assertThat(acks).as("acks before the writer ended; its stderr: " + Files.readString(stderr)).isEqualTo(2000);
            child.toHandle().destroyForcibly(); // SIGKILL, leaving its output readable (Process.destroy closes it)
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            while ((line = r.readLine()) != null) { // acks already in the pipe count too
                if (line.startsWith("ACK ")) {
                    String[] p = line.split(" ");
                    acked[Integer.parseInt(p[1])] = Long.parseLong(p[2]);
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        try (MvStoreStateStore store = new MvStoreStateStore(dir.resolve("data"))) {
            for (int t = 0; t < threads; t++) {
                ActorId actor = CrashingWriter.actor(t);
                byte[] nBytes = store.get(actor, "n");
                long n = nBytes == null ? 0 : Long.parseLong(new String(nBytes, StandardCharsets.UTF_8));
                assertThat(n).as("n of " + actor + " covers its acknowledged turns").isGreaterThanOrEqualTo(acked[t]);
                Set<String> expected = new HashSet<>();
                for (long i = 1; i <= n; i++) {
                    expected.add("k" + i);
                }
                assertThat(new HashSet<>(store.keys(actor, "k"))).as("k-keys of " + actor + ", turns 1..n").isEqualTo(expected);
            }
        }
    }

    /** Starts the writer, waits for ACKS_PER_ROUND acknowledgements, kills it; returns the last acked turn. */
    private long runAndKill(int round, long storedBefore) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path stderr = dir.resolve("child-" + round + ".err");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashingWriter.class.getName(), dir.resolve("data").toString())
                .redirectError(stderr.toFile());
        Process child = pb.start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (Exception ignored) {
                    // the child was killed
                } finally {
                    lines.add(EOF);
                }
            }, "crash-child-reader-" + round);
            reader.setDaemon(true);
            reader.start();

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long lastAck = -1;
            int acks = 0;
            while (acks < ACKS_PER_ROUND) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals(EOF)) {
                    fail("round " + round + ": the writer " + (line == null ? "stalled" : "ended") + " after " + acks
                            + " acks; its stderr:\n" + Files.readString(stderr));
                }
                if (line.startsWith("START ")) {
                    assertThat(Long.parseLong(line.substring(6))).as("resumes after the stored turns")
                            .isEqualTo(storedBefore + 1);
                } else if (line.startsWith("ACK ")) {
                    long i = Long.parseLong(line.substring(4));
                    if (lastAck >= 0) {
                        assertThat(i).isEqualTo(lastAck + 1);
                    }
                    lastAck = i;
                    acks++;
                }
            }

            // kill it mid-stream: it is committing as fast as it can
            ProcessHandle handle = child.toHandle();
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("the child died").isTrue();
            assertThat(handle.isAlive()).isFalse();
            int exit = child.exitValue();
            if (System.getProperty("os.name", "").toLowerCase().contains("linux")) {
                assertThat(exit).as("exit status of a SIGKILLed JVM (128 + 9)").isEqualTo(137);
            } else {
                assertThat(exit).isNotZero();
            }
            // acks already in the pipe count as acknowledged too
            reader.join(TimeUnit.SECONDS.toMillis(5));
            for (String line : lines) {
                if (line.startsWith("ACK ")) {
                    lastAck = Long.parseLong(line.substring(4));
                }
            }
            return lastAck;
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Opens the killed writer's store and checks turns 1..n are all there, whole, and nothing after n;
     * returns n, which may be past the last ack (committed, killed before it printed the ack).
     */
    private long verify(long lastAcked) {
        try (MvStoreStateStore store = new MvStoreStateStore(dir.resolve("data"))) {
            byte[] nBytes = store.get(ACTOR, "n");
            assertThat(nBytes).as("n after the kill").isNotNull();
            long n = Long.parseLong(new String(nBytes, StandardCharsets.UTF_8));
            assertThat(n).as("n covers every acknowledged turn").isGreaterThanOrEqualTo(lastAcked);

            List<String> keys = store.keys(ACTOR, "k");
            Set<String> expected = new HashSet<>();
            for (long i = 1; i <= n; i++) {
                expected.add("k" + i);
            }
            assertThat(store.get(ACTOR, "blob")).as("the blob of turn n, from the same commit as n")
                    .isEqualTo(CrashingWriter.blob(n));
            // every turn up to n is there (so both keys of turn n), and no k<i> of a turn after n
            assertThat(new HashSet<>(keys)).as("k-keys of turns 1..n").isEqualTo(expected);
            assertThat(store.keys(ACTOR, "")).hasSize((int) n + 2);
            for (long i = 1; i <= n; i++) {
                assertThat(new String(store.get(ACTOR, "k" + i), StandardCharsets.UTF_8)).isEqualTo(Long.toString(i));
            }
            return n;
        }
    }
}
