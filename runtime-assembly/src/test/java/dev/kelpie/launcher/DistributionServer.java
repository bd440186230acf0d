package dev.kelpie.launcher;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The harness of the tests that talk to the assembled distribution over HTTP: one {@code bin/kelpie} process
 * per test class, started as a server (no terminal, HTTP on a free loopback port) before the class's tests and
 * stopped with SIGTERM after them, plus the {@link HttpClient} helpers to call it the way {@code curl} would.
 */
abstract class DistributionServer {
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    static final Duration WAIT = Duration.ofSeconds(30);
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private static Process kelpie;
    private static Path err;
    /** {@code http://127.0.0.1:<port>} of the running distribution. */
    static URI base;

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
            kelpie = null;
        }
    }

    /** What the distribution wrote to stderr so far. */
    static String stderr() throws IOException {
        return Files.readString(err);
    }

    static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT);
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return CLIENT.send(b.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
