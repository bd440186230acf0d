package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.launcher.DistributionCluster.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three members of the built distribution on loopback, each its own process with the cluster enabled
 * ({@link DistributionCluster}): the cluster forms, a module put on one member runs on all with the same
 * SHA-256, a counter incremented through every member's HTTP gateway is one actor, a hot update rolls
 * through while increments flow, and SIGKILL of the member holding the counter loses no acknowledged
 * increment. The long chaos loop is {@code ClusterChaosIT} (profile {@code cluster}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterDistributionIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static DistributionCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new DistributionCluster(Path.of(System.getProperty("kelpie.dist", "target/kelpie")), 3);
        try {
            cluster.startAll();
        } catch (Throwable e) {
            String logs = cluster.logs();
            cluster.close();
            throw new AssertionError("the cluster did not form:\n" + logs, e);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void aModulePutOnOneMemberRunsOnEveryMemberWithTheSameSha() throws Exception {
        byte[] testbed = resource("/wasm/rust/testbed.wasm");
        String sha = sha256(testbed);
        String type = "rolled-" + UUID.randomUUID().toString().substring(0, 8);
        Node first = cluster.nodes.get(0);
        HttpResponse<String> put = first.send(first.request("/modules/" + type).PUT(BodyPublishers.ofByteArray(testbed)));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        for (Node n : cluster.nodes) {
            DistributionCluster.await(n + " runs " + type + " as " + sha, WAIT, () -> typesOf(n).contains(
                    "\"name\":\"" + type + "\"") && typesOf(n).contains(sha));
        }
        // (only now: a message is routed to the actor's member, which may apply the module a moment later than
        // the member it was put on)
        for (Node n : cluster.nodes) {
            HttpResponse<String> echo = n.send(n.request("/actors/" + type + "/e-" + n.index + "/echo")
                    .POST(BodyPublishers.ofString("hi")));
            assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
            assertThat(echo.body()).isEqualTo("hi");
        }
        HttpResponse<String> deleted = cluster.nodes.get(2).send(cluster.nodes.get(2).request("/modules/" + type).DELETE());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        for (Node n : cluster.nodes) {
            DistributionCluster.await(n + " no longer runs " + type, WAIT, () -> !typesOf(n).contains("\"name\":\"" + type + "\""));
        }
    }

    @Test
    @Order(2)
    void aCounterIncrementedThroughEveryMembersGatewayIsOneActor() throws Exception {
        String id = "routed-" + UUID.randomUUID().toString().substring(0, 8);
        int expected = 0;
        for (int round = 0; round < 3; round++) {
            for (Node n : cluster.nodes) {
                assertThat(increment(n, id)).as("increment through %s", n).isEqualTo(++expected);
            }
        }
    }

    @Test
    @Order(3)
    void aHotUpdateRollsThroughWhileIncrementsFlowAndNoneIsLost() throws Exception {
        String id = "hot-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicBoolean go = new AtomicBoolean(true);
        AtomicInteger acked = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            int i = 0;
            while (go.get() && failure.get() == null) {
                Node n = cluster.nodes.get(i++ % cluster.nodes.size());
                try {
                    int value = increment(n, id);
                    if (value != acked.get() + 1) {
                        failure.set("increment " + (acked.get() + 1) + " through " + n + " answered " + value);
                    }
                    acked.set(value);
                } catch (Exception | AssertionError e) {
                    failure.set("increment through " + n + ": " + e);
                }
            }
        }, "hot-update-sender");
        sender.start();
        try {
            DistributionCluster.await("increments flowing", WAIT, () -> acked.get() >= 10 || failure.get() != null);
            byte[] v2 = resource("/wasm/rust/counter-v2.wasm");
            Node updater = cluster.nodes.get(1);
            HttpResponse<String> put = updater.send(updater.request("/modules/counter").PUT(BodyPublishers.ofByteArray(v2)));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            String sha = sha256(v2);
            for (Node n : cluster.nodes) {
                DistributionCluster.await(n + " runs counter v2", WAIT, () -> typesOf(n).contains(sha));
            }
            int at = acked.get();
            DistributionCluster.await("increments after the update", WAIT, () -> acked.get() >= at + 10 || failure.get() != null);
        } finally {
            go.set(false);
            sender.join(WAIT.toMillis());
        }
        assertThat(failure.get()).isNull();
        for (Node n : cluster.nodes) {
            assertThat(post(n, "/actors/counter/" + id + "/version", "")).isEqualTo("2");
            assertThat(post(n, "/actors/counter/" + id + "/get", "")).isEqualTo(String.valueOf(acked.get()));
        }
    }

    @Test
    @Order(4)
    void sigkillOfTheMemberHoldingACounterLosesNoAcknowledgedIncrement() throws Exception {
        String id = "survivor-" + UUID.randomUUID().toString().substring(0, 8);
        int acked = 0;
        for (Node n : cluster.nodes) {
            acked = increment(n, id);
        }
        assertThat(acked).isEqualTo(3);
        Node owner = cluster.ownerOf("counter:" + id);
        owner.kill();
        Node survivor = cluster.nodes.stream().filter(n -> n != owner).findFirst().orElseThrow();
        int next = incrementRetrying(survivor, id);
        // the increment after the kill continues from the last acknowledged one: none was lost (and, since
        // each was acknowledged before the next was sent, none ran twice)
        assertThat(next).as(cluster.logs()).isEqualTo(acked + 1);
        for (Node n : cluster.running()) {
            assertThat(increment(n, id)).isEqualTo(++next);
        }
        owner.start().awaitReady();
        cluster.awaitMembers(3);
        assertThat(increment(owner, id)).isEqualTo(next + 1);
    }

    // ---------------------------------------------------------------------------------------------

    static int increment(Node n, String id) throws IOException, InterruptedException {
        return Integer.parseInt(post(n, "/actors/counter/" + id + "/increment", ""));
    }

    /** Retries while the actor is unavailable (503: its member died and the cluster is re-forming). */
    static int incrementRetrying(Node n, String id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            HttpResponse<String> r = n.send(n.request("/actors/counter/" + id + "/increment").POST(BodyPublishers.noBody()));
            if (r.statusCode() == 200) {
                return Integer.parseInt(r.body());
            }
            if (r.statusCode() != 503 || System.nanoTime() > deadline) {
                throw new AssertionError("increment through " + n + ": " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(200);
        }
    }

    static String post(Node n, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = n.send(n.request(path).POST(BodyPublishers.ofString(body)));
        if (r.statusCode() != 200) {
            throw new AssertionError("POST " + path + " through " + n + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String typesOf(Node n) {
        try {
            return n.send(n.request("/types").GET()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ClusterDistributionIT.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing " + name);
            }
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
