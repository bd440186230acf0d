package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The HTTP gateway, metrics and health bundles in Felix with the distribution's Felix HTTP Jetty: each route
 * answers, and stopping any one of the three bundles takes its routes away and nothing else.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpOpsIT extends KelpieTestSupport {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    public void gatewayMetricsAndHealthAreServedAndEachBundleTakesOnlyItsOwnRoutesAway() throws Exception {
        installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));
        await("the gateway answers", () -> status("GET", "/types") == 200);

        HttpResponse<String> increment = send("POST", "/actors/counter/web1/increment");
        assertEquals(increment.body(), 200, increment.statusCode());
        assertEquals("1", increment.body());
        assertEquals(404, send("POST", "/actors/nosuch/a/b").statusCode());
        assertTrue(send("GET", "/actors").body().contains("\"actor\":\"counter:web1\""));
        assertTrue(send("GET", "/modules").body().contains("\"types\":[\"counter\"]"));
        await("/metrics answers", () -> status("GET", "/metrics") == 200);
        assertTrue(send("GET", "/metrics").body().contains("kelpie_actor_messages_total{type=\"counter\"} 1"));
        await("/health answers", () -> status("GET", "/health") == 200);
        assertTrue(send("GET", "/health").body().startsWith("{\"status\":\"OK\""));

        assertOnlyItsRoutesGo("dev.kelpie.http", "/types", "/metrics", "/health");
        assertOnlyItsRoutesGo("dev.kelpie.metrics", "/metrics", "/types", "/health");
        assertOnlyItsRoutesGo("dev.kelpie.health", "/health", "/types", "/metrics");
    }

    /** Stops the bundle: its route is gone, the others and the runtime still answer; then starts it again. */
    private void assertOnlyItsRoutesGo(String bsn, String itsRoute, String... otherRoutes) throws Exception {
        Bundle bundle = bundleNamed(bsn);
        bundle.stop();
        try {
            await(itsRoute + " gone with " + bsn, () -> status("GET", itsRoute) == 404);
            for (String other : otherRoutes) {
                assertEquals(other + " without " + bsn, 200, status("GET", other));
            }
            assertTrue("the runtime still runs actors without " + bsn,
                    Integer.parseInt(call("counter", "web1", "get", "")) >= 1);
        } finally {
            bundle.start();
        }
        await(itsRoute + " back with " + bsn, () -> status("GET", itsRoute) == 200);
    }

    private int status(String method, String path) {
        try {
            return send(method, path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + context.getProperty("org.osgi.service.http.port") + path);
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
