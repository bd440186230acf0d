package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.module.ModuleRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code GET /metrics}: the runtime's metrics in the Prometheus text format, a servlet on the whiteboard. */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=kelpie-metrics",
    "osgi.http.whiteboard.servlet.pattern=/metrics"
})
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient MetricsCollector collector;

    @Activate
    public MetricsServlet(@Reference ActorRuntime runtime, @Reference ModuleRegistry registry) {
        this.collector = new MetricsCollector(runtime, registry);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<Metric> metrics = collector.collect();
        resp.setStatus(200);
        resp.setContentType(PrometheusText.CONTENT_TYPE);
        resp.setCharacterEncoding("UTF-8");
        try (Writer w = resp.getWriter()) {
            PrometheusText.write(metrics, w);
        }
    }
}
