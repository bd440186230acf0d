package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts the assembled distribution as a server ({@code bin/kelpie} without a terminal, HTTP on a free
 * loopback port) and drives the HTTP gateway with {@link HttpClient} the way {@code curl} would: every route
 * and the statuses of the mapping.
 */
class HttpDistributionIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Process kelpie;
    private static Path err;
    private static URI base;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(WAIT).build();

    @BeforeAll
    static void startDistribution() throws Exception {
        Path dist = Path.of(System.getProperty("kelpie.dist", "target/kelpie"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        err = Files.createTempFile("kelpie-http-it", ".err");
        ProcessBuilder builder = new ProcessBuilder(dist.resolve("bin/kelpie").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // the port of conf/dev.kelpie.http.cfg, overridden for the test
        builder.environment().put("KELPIE_OPTS", "-Dorg.osgi.service.http.port=" + port);
        kelpie = builder.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!Files.readString(err).contains("Kelpie ready in")) {
            if (!kelpie.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the distribution did not get ready within " + START_TIMEOUT.toSeconds()
                        + " s; stderr:\n" + Files.readString(err));
            }
            Thread.sleep(200);
        }
        base = URI.create("http://127.0.0.1:" + port);
        // the HTTP server and the web console start alongside the deployments (not part of ready): wait for
        // the gateway and the console's Kelpie page to answer
        awaitAnswer("/types", 200, deadline);
        awaitAnswer("/system/console/kelpie", 401, deadline);
    }

    private static void awaitAnswer(String path, int status, long deadline) throws Exception {
        while (true) {
            try {
                if (send(request(path).GET()).statusCode() == status) {
                    return;
                }
            } catch (IOException notListening) {
                // not yet
            }
            if (!kelpie.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError(path + " did not answer " + status + " within " + START_TIMEOUT.toSeconds()
                        + " s; stderr:\n" + Files.readString(err));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopDistribution() throws Exception {
        if (kelpie != null) {
            kelpie.destroy(); // SIGTERM: the launcher stops the framework
            if (!kelpie.waitFor(60, TimeUnit.SECONDS)) {
                kelpie.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void curlAnActorAndListTheTypesActorsAndModules() throws Exception {
        String id = "http-" + UUID.randomUUID();
        HttpResponse<String> first = send(request("/actors/counter/" + id + "/increment").POST(BodyPublishers.noBody()));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("1");
        assertThat(send(request("/actors/counter/" + id + "/increment").POST(BodyPublishers.ofString("41"))).body())
                .isEqualTo("42");

        HttpResponse<String> actors = send(request("/actors").GET());
        assertThat(actors.statusCode()).isEqualTo(200);
        assertThat(actors.body()).contains("\"actor\":\"counter:" + id + "\"");
        assertThat(send(request("/types").GET()).body()).contains("\"name\":\"counter\"", "\"name\":\"testbed\"");
        assertThat(send(request("/modules").GET()).body()).contains("\"types\":[\"counter\"]");
    }

    @Test
    void failuresHaveTheirStatusAndAJsonError() throws Exception {
        assertError(send(request("/actors/no-such-type/a/b").POST(BodyPublishers.noBody())), 404, "unknown_type");
        assertError(send(request("/actors/counter/bad%20id/increment").POST(BodyPublishers.noBody())), 400, "bad_actor_id");
        assertError(send(request("/actors/testbed/t1/fail").POST(BodyPublishers.ofString("boom"))), 500, "actor_error");
        assertError(send(request("/actors/testbed/t1/trap").POST(BodyPublishers.noBody())), 500, "trap");
        assertError(send(request("/actors/counter/c1/increment").GET()), 405, "method_not_allowed");
        assertError(send(request("/nothing-here").GET()), 404, null);
        assertError(send(request("/actors/testbed/t1/echo").POST(BodyPublishers.ofByteArray(new byte[(1 << 20) + 1]))),
                413, "payload_too_large");
    }

    @Test
    void putInstallsAModuleDeleteRemovesIt() throws Exception {
        byte[] testbed = moduleOf("kelpie-module-testbed.jar", "wasm/testbed.wasm");
        String type = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = send(request("/modules/" + type + "?timeout=300ms").PUT(BodyPublishers.ofByteArray(testbed)));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"type\":\"" + type + "\"", "\"invocationTimeoutMillis\":300");
        assertThat(send(request("/actors/" + type + "/x/echo").POST(BodyPublishers.ofString("hi"))).body()).isEqualTo("hi");
        assertError(send(request("/actors/" + type + "/x/spin").POST(BodyPublishers.noBody())), 504, "timeout");

        HttpResponse<String> swapped = send(request("/modules/" + type).PUT(BodyPublishers.ofByteArray(testbed)));
        assertThat(swapped.statusCode()).as(swapped.body()).isEqualTo(200);
        assertThat(swapped.body()).contains("\"hotSwap\":true");

        assertError(send(request("/modules/junk").PUT(BodyPublishers.ofString("not wasm"))), 422, "malformed");
        HttpResponse<String> deleted = send(request("/modules/" + type).DELETE());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertError(send(request("/modules/" + type).DELETE()), 404, "not_found");
    }

    @Test
    void metricsAreScrapedAndHealthIsReported() throws Exception {
        send(request("/actors/counter/metrics-probe/increment").POST(BodyPublishers.noBody()));
        HttpResponse<String> metrics = send(request("/metrics").GET());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.body()).contains("# TYPE kelpie_actor_messages_total counter",
                "kelpie_actor_active{type=\"counter\"} ", "kelpie_store_commit_latency_seconds_count ",
                "kelpie_module_instances{module=");
        HttpResponse<String> health = send(request("/health").GET());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).startsWith("{\"status\":\"OK\"").contains("Kelpie state store writable",
                "Kelpie workers not starved", "Kelpie memory budget headroom");
    }

    @Test
    void theWebConsoleShowsTheKelpiePageBehindItsLogin() throws Exception {
        String id = "console-" + UUID.randomUUID().toString().substring(0, 8);
        send(request("/actors/counter/" + id + "/increment").POST(BodyPublishers.noBody()));
        assertThat(send(request("/system/console/kelpie").GET()).statusCode()).isEqualTo(401);
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> page = send(request("/system/console/kelpie").header("Authorization", basic).GET());
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Apache Felix Web Console - Kelpie</title>", "id=\"kelpie-modules\"",
                "<tr><td>counter</td><td>wasm</td>", "id=\"kelpie-stats\"", "<td>counter:" + id + "</td>");
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertError(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as("%s %s: %s", r.request().method(), r.uri(), r.body()).isEqualTo(status);
        if (reason != null) {
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            assertThat(r.body()).startsWith("{\"error\":").contains("\"reason\":\"" + reason + "\"");
        }
    }

    private static byte[] moduleOf(String bundle, String entry) throws IOException {
        Path jar = Path.of(System.getProperty("kelpie.dist", "target/kelpie")).resolve("deploy").resolve(bundle);
        try (JarFile jf = new JarFile(jar.toFile()); InputStream in = jf.getInputStream(jf.getEntry(entry))) {
            return in.readAllBytes();
        }
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return CLIENT.send(b.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
