package dev.kelpie.webconsole;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.embedded.Kelpie;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plugin page rendered from a real embedded Kelpie with a real WASM module deployed and actors active. */
class KelpiePluginTest {

    private Kelpie kelpie;

    @AfterEach
    void stop() {
        if (kelpie != null) {
            kelpie.close();
        }
    }

    @Test
    void rendersModulesTypesStatsAndActiveActors() {
        kelpie = Kelpie.builder().build();
        kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")));
        kelpie.actor("counter", "c1").call("increment", new byte[0]);
        kelpie.actor("counter", "c2").call("increment", new byte[0]);

        String page = render();

        assertThat(section(page, "kelpie-modules")).contains("<td>counter.wasm</td>");
        assertThat(section(page, "kelpie-types")).contains("<td>counter</td>").contains("<td>wasm</td>");
        // type, invocations 2, failures 0, timeouts 0, rejected 0, active 2
        assertThat(section(page, "kelpie-stats"))
                .contains("<tr><td>counter</td><td>2</td><td>0</td><td>0</td><td>0</td><td>2</td>");
        assertThat(page).contains("Active actors (2)");
        assertThat(section(page, "kelpie-actors")).contains("<td>counter:c1</td>").contains("<td>counter:c2</td>");
        assertThat(page).doesNotContain("<form");
    }

    @Test
    void escapesValuesFromTheRuntime() {
        kelpie = Kelpie.builder().build();
        kelpie.deploy("counter", kelpie.load("<script>alert('x')</script>&.wasm", resource("/wasm/rust/counter.wasm")));
        // actor ids and type names are restricted to [A-Za-z0-9._-]; module names are free text

        String page = render();

        assertThat(page).doesNotContain("<script>")
                .contains("<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;.wasm</td>");
    }

    @Test
    void anEmptyRuntimeRendersEmptyTables() {
        kelpie = Kelpie.builder().build();
        String page = render();
        assertThat(page).contains("Modules (0)", "Actor types (0)", "Active actors (0)");
        assertThat(section(page, "kelpie-actors")).doesNotContain("<td>");
    }

    @Test
    void escapeCoversEveryMarkupCharacter() {
        assertThat(Html.escape("a<b>&\"c'")).isEqualTo("a&lt;b&gt;&amp;&quot;c&#39;");
        assertThat(Html.escape(null)).isEmpty();
        assertThat(Html.escape(42)).isEqualTo("42");
    }

    private String render() {
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            new KelpiePlugin(kelpie.actors(), kelpie.registry()).render(out);
        }
        return text.toString();
    }

    /** The markup of the table with this id. */
    private static String section(String page, String id) {
        int start = page.indexOf("id=\"" + id + "\"");
        assertThat(start).as("table %s", id).isNotNegative();
        return page.substring(start, page.indexOf("</table>", start));
    }

    private static byte[] resource(String path) {
        try (InputStream in = KelpiePluginTest.class.getResourceAsStream(path)) {
            assertThat(in).as("test resource %s", path).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
