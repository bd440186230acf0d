package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URL;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.htmlunit.BrowserVersion;
import org.htmlunit.DefaultCredentialsProvider;
import org.htmlunit.FailingHttpStatusCodeException;
import org.htmlunit.ScriptException;
import org.htmlunit.SilentCssErrorHandler;
import org.htmlunit.WebClient;
import org.htmlunit.WebConsole;
import org.htmlunit.html.HtmlAnchor;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlTable;
import org.htmlunit.html.HtmlTableRow;
import org.htmlunit.javascript.DefaultJavaScriptErrorListener;
import org.junit.jupiter.api.Test;

/**
 * The Felix web console and its Kelpie page in a real headless browser (HtmlUnit, Firefox profile, JavaScript
 * and CSS on) against the running distribution ({@link DistributionServer}): the console's HTTP basic login
 * refuses a wrong password and takes the documented admin/admin; its menu (a jQuery UI menu, opened by
 * hovering) leads to {@code /system/console/kelpie}; the page's scripts run (the menu is built, the tables get
 * the console's table sorter) without a script error, a failed script load or a {@code console.error}; and
 * the tables show the modules, types, per-type statistics and an actor invoked just before.
 */
class WebConsoleBrowserIT extends DistributionServer {
    private static final long SCRIPT_WAIT_MILLIS = 10_000;

    /** Script errors, scripts that failed to load, and console.error lines: the test wants none. */
    private final List<String> scriptProblems = new CopyOnWriteArrayList<>();

    private WebClient browser(String user, String password) {
        WebClient browser = new WebClient(BrowserVersion.FIREFOX);
        browser.getOptions().setThrowExceptionOnScriptError(true);
        browser.getOptions().setThrowExceptionOnFailingStatusCode(true);
        browser.getOptions().setTimeout((int) WAIT.toMillis());
        browser.setCssErrorHandler(new SilentCssErrorHandler()); // jQuery UI's CSS hacks are not errors here
        browser.setJavaScriptErrorListener(new DefaultJavaScriptErrorListener() {
            @Override
            public void scriptException(HtmlPage page, ScriptException e) {
                scriptProblems.add("script error on " + page.getUrl() + ": " + e.getMessage());
            }

            @Override
            public void loadScriptError(HtmlPage page, URL script, Exception e) {
                scriptProblems.add("script " + script + " did not load: " + e);
            }
        });
        browser.getWebConsole().setLogger(new ErrorsOnly());
        ((DefaultCredentialsProvider) browser.getCredentialsProvider()).addCredentials(user, password.toCharArray());
        return browser;
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        try (WebClient browser = browser("admin", "not-the-password")) {
            FailingHttpStatusCodeException refused = catchThrowableOfType(FailingHttpStatusCodeException.class,
                    () -> browser.getPage(base + "/system/console/kelpie"));
            assertThat(refused).as("a wrong password must be refused").isNotNull();
            assertThat(refused.getStatusCode()).isEqualTo(401);
            assertThat(refused.getResponse().getContentAsString()).doesNotContain("kelpie-actors");
        }
        assertThat(send(request("/system/console/kelpie").GET()).statusCode()).as("no credentials").isEqualTo(401);
    }

    @Test
    void theMenuLeadsToTheKelpiePageWhichShowsModulesTypesStatsAndActors() throws Exception {
        String id = "browser-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> invoked = send(request("/actors/counter/" + id + "/increment").POST(BodyPublishers.noBody()));
        assertThat(invoked.statusCode()).as(invoked.body()).isEqualTo(200);

        try (WebClient browser = browser("admin", "admin")) {
            HtmlPage start = browser.getPage(base + "/system/console/vmstat");
            browser.waitForBackgroundJavaScript(SCRIPT_WAIT_MILLIS);
            assertThat(start.getTitleText()).isEqualTo("Apache Felix Web Console - System Information");
            // the console's $(document).ready turned the navigation list into a jQuery UI menu
            assertThat(start.getElementById("navmenu").getAttribute("class")).contains("ui-menu");

            HtmlAnchor category = start.getFirstByXPath("//ul[@id='navmenu']/li/a[normalize-space()='Kelpie']");
            HtmlAnchor entry = start.getFirstByXPath("//ul[@id='navmenu']//ul/li/a[@href='/system/console/kelpie']");
            assertThat(category).as("the menu's Kelpie category").isNotNull();
            assertThat(entry).as("the menu's link to the Kelpie page").isNotNull();
            assertThat(entry.isDisplayed()).as("the submenu is closed before hovering").isFalse();
            category.mouseOver();
            browser.waitForBackgroundJavaScript(SCRIPT_WAIT_MILLIS);
            assertThat(entry.isDisplayed()).as("hovering the category opens its submenu").isTrue();

            HtmlPage kelpie = entry.click();
            browser.waitForBackgroundJavaScript(SCRIPT_WAIT_MILLIS);
            assertThat(kelpie.getUrl().getPath()).isEqualTo("/system/console/kelpie");
            assertThat(kelpie.getTitleText()).isEqualTo("Apache Felix Web Console - Kelpie");

            HtmlTable modules = table(kelpie, "kelpie-modules");
            assertThat(column(modules, "Name")).contains("dev.kelpie.module.counter!/wasm/counter.wasm");
            HtmlTable types = table(kelpie, "kelpie-types");
            assertThat(row(types, "Type", "counter")).containsEntry("Kind", "wasm");
            assertThat(column(types, "Type")).contains("testbed", "counter-rust");
            Map<String, String> counterStats = row(table(kelpie, "kelpie-stats"), "Type", "counter");
            assertThat(Long.parseLong(counterStats.get("Invocations"))).isPositive();
            assertThat(Long.parseLong(counterStats.get("Active"))).isPositive();
            assertThat(row(table(kelpie, "kelpie-actors"), "Actor", "counter:" + id)).containsEntry("Queued", "0")
                    .containsEntry("Turns", "1");
            // the console's table sorter ran over the page's tables
            assertThat(modules.getRow(0).getCell(0).getAttribute("class")).contains("header");
        }
        assertThat(scriptProblems).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------

    private static HtmlTable table(HtmlPage page, String id) {
        HtmlTable table = (HtmlTable) page.getElementById(id);
        assertThat(table).as("table #%s on %s", id, page.getUrl()).isNotNull();
        return table;
    }

    private static List<String> headers(HtmlTable table) {
        return table.getRow(0).getCells().stream().map(c -> c.asNormalizedText()).toList();
    }

    private static List<String> column(HtmlTable table, String header) {
        int i = headers(table).indexOf(header);
        assertThat(i).as("column %s of #%s", header, table.getId()).isNotNegative();
        return table.getBodies().get(0).getRows().stream().map(r -> r.getCell(i).asNormalizedText()).toList();
    }

    /** The first body row whose {@code key} column is {@code value}, as header to cell text. */
    private static Map<String, String> row(HtmlTable table, String key, String value) {
        List<String> headers = headers(table);
        int k = headers.indexOf(key);
        for (HtmlTableRow r : table.getBodies().get(0).getRows()) {
            if (r.getCell(k).asNormalizedText().equals(value)) {
                Map<String, String> cells = new LinkedHashMap<>();
                for (int i = 0; i < headers.size(); i++) {
                    cells.put(headers.get(i), r.getCell(i).asNormalizedText());
                }
                return cells;
            }
        }
        throw new AssertionError("no row with " + key + " = " + value + " in #" + table.getId() + ": "
                + column(table, key));
    }

    /** The browser's console: errors are recorded as problems, the rest is dropped. */
    private final class ErrorsOnly implements WebConsole.Logger {
        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(Object message) {}
        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(Object message) {}
        @Override public boolean isInfoEnabled() { return false; }
        @Override public void info(Object message) {}
        @Override public boolean isWarnEnabled() { return false; }
        @Override public void warn(Object message) {}
        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(Object message) { scriptProblems.add("console.error: " + message); }
    }
}
