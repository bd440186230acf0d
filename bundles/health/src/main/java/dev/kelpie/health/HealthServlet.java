package dev.kelpie.health;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code GET /health}: runs the checks tagged {@code kelpie} through Felix HealthCheck's executor and answers
 * 200 when each is OK or WARN, 503 otherwise (or when there is no check at all), with a JSON body:
 * {@code {"status": "OK", "checks": [{"name", "status", "message", "elapsedMillis"}]}}.
 */
@Component(service = Servlet.class, property = {
    "osgi.http.whiteboard.servlet.name=kelpie-health",
    "osgi.http.whiteboard.servlet.pattern=/health"
})
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient HealthCheckExecutor executor;

    @Activate
    public HealthServlet(@Reference HealthCheckExecutor executor) {
        this.executor = executor;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<HealthCheckExecutionResult> results = executor.execute(HealthCheckSelector.tags(HealthSettings.TAG));
        Result.Status overall = results.isEmpty() ? Result.Status.CRITICAL : Result.Status.OK;
        for (HealthCheckExecutionResult r : results) {
            Result.Status s = r.getHealthCheckResult().getStatus();
            if (s.ordinal() > overall.ordinal()) {
                overall = s;
            }
        }
        boolean healthy = overall == Result.Status.OK || overall == Result.Status.WARN;
        StringBuilder json = new StringBuilder("{\"status\":").append(quote(overall.name())).append(",\"checks\":[");
        for (int i = 0; i < results.size(); i++) {
            HealthCheckExecutionResult r = results.get(i);
            json.append(i == 0 ? "" : ",").append("{\"name\":").append(quote(r.getHealthCheckMetadata().getName()))
                    .append(",\"status\":").append(quote(r.getHealthCheckResult().getStatus().name()))
                    .append(",\"message\":").append(quote(message(r.getHealthCheckResult())))
                    .append(",\"elapsedMillis\":").append(r.getElapsedTimeInMs()).append('}');
        }
        json.append("]}");
        resp.setStatus(healthy ? 200 : 503);
        resp.setContentType("application/json; charset=utf-8");
        resp.setCharacterEncoding("UTF-8");
        try (Writer w = resp.getWriter()) {
            w.write(json.toString());
        }
    }

    /** The result's entries at info level and above, joined by "; ". */
    private static String message(Result result) {
        StringBuilder b = new StringBuilder();
        for (ResultLog.Entry e : result) {
            if (e.isDebug()) {
                continue;
            }
            b.append(b.length() == 0 ? "" : "; ").append(e.getMessage());
        }
        return b.toString();
    }

    /** A JSON string literal: quote, backslash and every control character escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
