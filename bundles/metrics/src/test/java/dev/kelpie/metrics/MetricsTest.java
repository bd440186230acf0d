package dev.kelpie.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.embedded.Kelpie;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The metrics of a real embedded Kelpie: the Prometheus text (the client's writer), the servlet on Jetty and the MBeans. */
class MetricsTest {
    private Kelpie kelpie;
    private String counterHash;

    @BeforeEach
    void start() throws Exception {
        kelpie = Kelpie.builder().build();
        counterHash = kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")))
                .module().hash().shortHex();
        kelpie.deploy("testbed", kelpie.load("testbed.wasm", resource("/wasm/rust/testbed.wasm")));
        kelpie.actor("counter", "c1").call("increment", new byte[0]);
        kelpie.actor("counter", "c1").call("increment", new byte[0]);
        kelpie.actor("testbed", "t1").invoke("fail", "no".getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                .handle((v, t) -> t).get();
    }

    @AfterEach
    void stop() {
        kelpie.close();
    }

    @Test
    void thePrometheusTextHasTheSeriesOfTypesModulesAndTheRuntime() throws Exception {
        String text = text(new MetricsCollector(kelpie.actors(), kelpie.registry()).collect());
        // the Prometheus client writes a counter's or gauge's value as a double (2.0) and labels by name
        assertThat(text).contains(
                "# TYPE kelpie_actor_messages_total counter\n",
                "kelpie_actor_messages_total{type=\"counter\"} 2.0\n",
                "kelpie_actor_messages_total{type=\"testbed\"} 1.0\n",
                "kelpie_actor_errors_total{reason=\"actor_error\",type=\"testbed\"} 1.0\n",
                "# TYPE kelpie_actor_turn_latency_seconds summary\n",
                "kelpie_actor_turn_latency_seconds{type=\"counter\",quantile=\"0.99\"} ",
                "kelpie_actor_turn_latency_seconds_count{type=\"counter\"} 2\n",
                "kelpie_actor_mailbox_depth{type=\"counter\"} 0.0\n",
                "kelpie_actor_active{type=\"counter\"} 1.0\n",
                "kelpie_actor_activations_total{type=\"counter\"} 1.0\n",
                "kelpie_actor_passivations_total{type=\"counter\"} 0.0\n",
                "kelpie_module_instances{module=\"counter.wasm\",sha256=\"" + counterHash + "\"} 1.0\n",
                "kelpie_module_memory_pages{module=\"counter.wasm\",sha256=\"" + counterHash + "\"} ",
                // the counter's on-activate writes too: three turns committed
                "kelpie_store_commit_latency_seconds_count 3\n",
                "# TYPE kelpie_memory_budget_bytes gauge\n",
                "kelpie_actors_active 2.0\n");
        // every sample line is name{labels} value
        for (String line : text.split("\n")) {
            assertThat(line).matches("# (HELP|TYPE) kelpie_[a-z_]+ .+|kelpie_[a-z_]+(\\{[a-z0-9_]+=\"[^\"]*\"(,[a-z0-9_]+=\"[^\"]*\")*\\})? [-+0-9.eE]+|[^k].*NaN");
        }
    }

    @Test
    void labelValuesAndHelpAreEscaped() throws Exception {
        String text = text(MetricSnapshots.of(GaugeSnapshot.builder().name("kelpie_x").help("two\nlines")
                .dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("module", "a\"b\\c\nd")).value(1.5).build())
                .build()));
        assertThat(text).isEqualTo("# HELP kelpie_x two\\nlines\n# TYPE kelpie_x gauge\nkelpie_x{module=\"a\\\"b\\\\c\\nd\"} 1.5\n");
    }

    @Test
    void metricsAreServedAtSlashMetrics() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new MetricsServlet(kelpie.actors(), kelpie.registry())), "/metrics");
        server.setHandler(context);
        server.start();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/metrics")).timeout(Duration.ofSeconds(20))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            // the header as the hand-written exposition had it (Jetty joins the charset without a space)
            assertThat(r.headers().firstValue("Content-Type").orElse("")).isEqualTo("text/plain; version=0.0.4;charset=utf-8");
            assertThat(r.body()).contains("kelpie_actor_messages_total{type=\"counter\"} 2.0\n")
                    .isEqualTo(text(new MetricsCollector(kelpie.actors(), kelpie.registry()).collect()));
        } finally {
            server.stop();
        }
    }

    @Test
    void theMetricsAreMBeansThatFollowTypesAndGoAwayOnClose() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName counter = new ObjectName("dev.kelpie:kind=ActorType,name=\"counter\"");
        ObjectName runtime = new ObjectName("dev.kelpie:kind=Runtime");
        ObjectName module = new ObjectName("dev.kelpie:kind=Module,name=\"counter.wasm\",sha256=" + counterHash);
        MetricsMBeans beans = new MetricsMBeans(new MetricsCollector(kelpie.actors(), kelpie.registry()), server);
        try {
            assertThat(server.getAttribute(counter, "actor_messages_total")).isEqualTo(2.0);
            assertThat(server.getAttribute(new ObjectName("dev.kelpie:kind=ActorType,name=\"testbed\""),
                    "actor_errors_total_actor_error")).isEqualTo(1.0);
            assertThat(server.getAttribute(counter, "actor_turn_latency_seconds_0.99")).isInstanceOf(Double.class);
            assertThat(server.getAttribute(runtime, "store_commit_latency_seconds_count")).isEqualTo(3.0);
            assertThat(server.getAttribute(module, "module_instances")).isEqualTo(1.0);
            // the attribute names of the hand-written exposition's time, unchanged
            assertThat(attributes(server, counter)).containsExactlyInAnyOrder("actor_messages_total",
                    "actor_turn_latency_seconds_0.5", "actor_turn_latency_seconds_0.99", "actor_turn_latency_seconds_0.999",
                    "actor_turn_latency_seconds_count", "actor_turn_latency_max_seconds", "actor_mailbox_depth",
                    "actor_active", "actor_activations_total", "actor_passivations_total", "actor_dropped_output_lines_total");
            assertThat(attributes(server, module)).containsExactlyInAnyOrder("module_instances", "module_memory_pages",
                    "module_size_bytes");
            assertThat(attributes(server, runtime)).contains("store_commit_latency_seconds_0.5",
                    "store_commit_latency_seconds_0.99", "store_commit_latency_seconds_0.999",
                    "store_commit_latency_seconds_count", "store_commit_latency_max_seconds", "actors_active");

            kelpie.actor("counter", "c1").call("increment", new byte[0]);
            kelpie.deployer().undeploy("testbed");
            beans.sync();
            assertThat(server.getAttribute(counter, "actor_messages_total")).isEqualTo(3.0);
            assertThat(server.isRegistered(new ObjectName("dev.kelpie:kind=ActorType,name=\"testbed\""))).isFalse();
        } finally {
            beans.close();
        }
        assertThat(server.queryNames(new ObjectName("dev.kelpie:*"), null)).isEmpty();
    }

    private static String text(MetricSnapshots metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<String> attributes(MBeanServer server, ObjectName name) throws Exception {
        return Arrays.stream(server.getMBeanInfo(name).getAttributes()).map(MBeanAttributeInfo::getName).toList();
    }

    static byte[] resource(String path) throws IOException {
        try (InputStream in = MetricsTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }
}
