package dev.kelpie.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The features repository in a real Apache Karaf 4.4 (profile {@code karaf}): Karaf unpacked fresh into
 * {@code target/karaf/}, Kelpie's artifacts read from {@code target/karaf-repo/}, Karaf's own from
 * {@code ~/.m2} and its system repository, nothing from the network. Adds the repository, installs
 * {@code kelpie} and {@code kelpie-examples}, invokes the counter from the Karaf shell, then installs
 * {@code kelpie-http} and {@code kelpie-webconsole} and uses the gateway, {@code /metrics}, {@code /health}
 * and the console page; Karaf is stopped whatever happens.
 */
class KarafFeaturesIT {

    private static final Duration READY = Duration.ofSeconds(90);

    private final String version = System.getProperty("kelpie.version");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void kelpieFeaturesInstallAndServeActorsInKaraf() throws Exception {
        Path home = Path.of(System.getProperty("karaf.home"));
        Path repo = Path.of(System.getProperty("karaf.repo"));
        Path m2 = Path.of(System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));
        assertThat(home.resolve("bin/karaf")).as("Karaf unpacked by profile karaf").exists();
        assertThat(repo.resolve("dev/kelpie/kelpie-features/" + version + "/kelpie-features-" + version + "-features.xml"))
                .exists();

        try (Karaf karaf = new Karaf(home)) {
            karaf.configure(repo, m2);
            karaf.start();

            karaf.client("feature:repo-add mvn:dev.kelpie/kelpie-features/" + version + "/xml/features");
            assertThat(karaf.client("feature:list")).contains("kelpie-http", "kelpie-webconsole", "kelpie-examples");
            karaf.client("feature:install kelpie kelpie-examples");
            assertThat(karaf.client("feature:list -i")).contains("kelpie ", "kelpie-examples");

            // the extender deploys the module bundles' types once the runtime is up
            eventually("the example types deployed", () -> {
                String out = karaf.client("echo (kelpie:types)");
                return out.contains("counter ") && out.contains("testbed ") && out.contains("echo-rust ")
                        && out.contains("greeter-python ") ? out : null;
            }, karaf);
            assertThat(karaf.client("echo (kelpie:invoke counter c1 increment)").strip()).isEqualTo("1");
            assertThat(karaf.client("echo (kelpie:invoke counter c1 increment)").strip()).isEqualTo("2");
            assertThat(karaf.client("echo (kelpie:invoke echo-rust e1 echo Karaf)").strip()).isEqualTo("Karaf");
            // state lives under Karaf's data directory (the feature's dev.kelpie.store.mvstore config)
            assertThat(home.resolve("data/kelpie/kelpie-state.mv.db")).exists();

            karaf.client("feature:install kelpie-http");
            String base = "http://127.0.0.1:" + karaf.httpPort;
            HttpResponse<String> third = eventually("the HTTP gateway answering", () -> {
                HttpResponse<String> r = trySend(HttpRequest.newBuilder(URI.create(base + "/actors/counter/c1/increment"))
                        .POST(HttpRequest.BodyPublishers.noBody()));
                return r != null && r.statusCode() == 200 ? r : null;
            }, karaf);
            assertThat(third.body()).isEqualTo("3");
            HttpResponse<String> unknown = send(HttpRequest.newBuilder(URI.create(base + "/actors/nosuchtype/x/get"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(unknown.statusCode()).isEqualTo(404);
            HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("kelpie_");
            HttpResponse<String> health = eventually("/health answering", () -> {
                HttpResponse<String> r = trySend(HttpRequest.newBuilder(URI.create(base + "/health")).GET());
                return r != null && r.statusCode() != 404 ? r : null;
            }, karaf);
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);

            karaf.client("feature:install kelpie-webconsole");
            HttpResponse<String> console = eventually("the web console's Kelpie page", () -> {
                HttpResponse<String> r = trySend(HttpRequest.newBuilder(URI.create(base + "/system/console/kelpie")).GET());
                return r != null && r.statusCode() == 401 ? r : null;
            }, karaf);
            assertThat(console.statusCode()).isEqualTo(401);
            String basic = java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes());
            HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + "/system/console/kelpie"))
                    .header("Authorization", "Basic " + basic).GET());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("counter:c1");
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #send}, or null while nothing listens yet. */
    private HttpResponse<String> trySend(HttpRequest.Builder request) throws InterruptedException {
        try {
            return send(request);
        } catch (IOException e) {
            return null;
        }
    }

    private static <T> T eventually(String what, Callable<T> attempt, Karaf karaf) throws Exception {
        long deadline = System.nanoTime() + READY.toNanos();
        while (true) {
            T result = attempt.call();
            if (result != null) {
                return result;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + READY + ": " + what + "\n--- Karaf log tail:\n" + karaf.logTail());
            }
            Thread.sleep(500);
        }
    }
}
