package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Drives the HTTP gateway of the running distribution ({@link DistributionServer}) with {@link java.net.http.HttpClient}
 * the way {@code curl} would: every route and the statuses of the mapping, {@code /metrics} and {@code /health}.
 */
class HttpDistributionIT extends DistributionServer {

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
}
