package dev.kelpie.metrics;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * Writes metric families in the Prometheus text exposition format, version 0.0.4: a {@code # HELP} and a
 * {@code # TYPE} line per family, then one line per sample. Label values are escaped (backslash, double
 * quote, line feed), help text too (backslash, line feed).
 */
final class PrometheusText {
    /** The format's content type. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {}

    static void write(List<Metric> metrics, Writer out) throws IOException {
        StringBuilder line = new StringBuilder(128);
        for (Metric m : metrics) {
            out.write("# HELP " + m.name() + " " + m.help().replace("\\", "\\\\").replace("\n", "\\n") + "\n");
            out.write("# TYPE " + m.name() + " " + m.type() + "\n");
            for (Metric.Sample s : m.samples()) {
                line.setLength(0);
                line.append(m.name()).append(s.suffix());
                if (!s.labels().isEmpty()) {
                    line.append('{');
                    boolean first = true;
                    for (Map.Entry<String, String> l : s.labels().entrySet()) {
                        if (!first) {
                            line.append(',');
                        }
                        first = false;
                        line.append(l.getKey()).append("=\"");
                        escapeLabel(line, l.getValue());
                        line.append('"');
                    }
                    line.append('}');
                }
                line.append(' ').append(number(s.value())).append('\n');
                out.write(line.toString());
            }
        }
    }

    private static void escapeLabel(StringBuilder b, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '"': b.append("\\\""); break;
                case '\n': b.append("\\n"); break;
                default: b.append(c);
            }
        }
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
