package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.module.ModuleRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /metrics}: the runtime's metrics in the Prometheus text exposition format 0.0.4, a servlet on the
 * whiteboard. The families come from a {@link MetricsCollector} in this servlet's own Prometheus registry (not
 * the client's JVM-wide default registry) and are written by the Prometheus Java client's text format writer.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=kelpie-metrics",
    "osgi.http.whiteboard.servlet.pattern=/metrics"
})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient PrometheusRegistry metrics = new PrometheusRegistry();
    private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    @Activate
    public MetricsServlet(@Reference ActorRuntime runtime, @Reference ModuleRegistry registry) {
        metrics.register(new MetricsCollector(runtime, registry));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        MetricSnapshots snapshots = metrics.scrape();
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        writer.write(body, snapshots); // whole, before the status: a failing scrape answers 500, not half a text
        resp.setStatus(200);
        resp.setContentType(writer.getContentType()); // text/plain; version=0.0.4; charset=utf-8
        resp.setCharacterEncoding("UTF-8"); // as before: the container writes the header ...;charset=utf-8
        resp.setContentLength(body.size());
        body.writeTo(resp.getOutputStream());
    }
}
