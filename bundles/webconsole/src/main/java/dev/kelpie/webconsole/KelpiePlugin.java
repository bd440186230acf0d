package dev.kelpie.webconsole;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Kelpie page of the Felix web console ({@code /system/console/kelpie}): read-only HTML tables of the
 * installed modules, the deployed actor types, their per-type statistics and the active actors (the first
 * {@value #MAX_ACTOR_ROWS}). A plain servlet service that the console finds by its {@code felix.webconsole.*}
 * properties; the console draws its own header, navigation and login around the fragment this servlet
 * writes. Every value taken from the runtime is HTML-escaped; the page has no forms and changes nothing.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + KelpiePlugin.LABEL,
        "felix.webconsole.title=Kelpie",
        "felix.webconsole.category=Kelpie"
})
public final class KelpiePlugin extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The console label: the page is served at {@code /system/console/kelpie}. */
    public static final String LABEL = "kelpie";

    /** At most this many active actors are listed (the count of all is always shown). */
    static final int MAX_ACTOR_ROWS = 500;

    private final transient ActorRuntime runtime;
    private final transient ModuleRegistry registry;

    @Activate
    public KelpiePlugin(@Reference ActorRuntime runtime, @Reference ModuleRegistry registry) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        render(resp.getWriter());
    }

    /** Writes the page fragment (four tables) to {@code out}. */
    void render(PrintWriter out) {
        List<ModuleDescriptor> modules = registry.list().stream()
                .sorted(Comparator.comparing(ModuleDescriptor::name)).toList();
        List<ActorType> types = runtime.types().stream().sorted(Comparator.comparing(ActorType::name)).toList();
        List<ActorTypeStats> stats = runtime.stats().stream()
                .sorted(Comparator.comparing(ActorTypeStats::type)).toList();
        List<ActiveActor> actors = runtime.actors().stream()
                .sorted(Comparator.comparing(ActiveActor::id)).toList();

        out.println("<div id=\"kelpie\">");
        out.println("<h2>Modules (" + modules.size() + ")</h2>");
        table(out, "kelpie-modules", List.of("Name", "Hash", "Size (bytes)", "Language", "Mode", "Compile (ms)",
                "Memory", "Installed"));
        for (ModuleDescriptor m : modules) {
            row(out, m.name(), m.hash(), m.sizeBytes(), m.guestLanguage(), m.executionMode(), m.compileMillis(),
                    m.memory(), m.installedAt());
        }
        end(out);

        out.println("<h2>Actor types (" + types.size() + ")</h2>");
        table(out, "kelpie-types", List.of("Type", "Kind", "Module", "Limits", "Host namespaces"));
        for (ActorType t : types) {
            row(out, t.name(), t.isWasm() ? "wasm" : "native", t.isWasm() ? t.module() : "", t.limits(),
                    t.hostNamespaces() == null ? "" : String.join(", ", t.hostNamespaces().stream().sorted().toList()));
        }
        end(out);

        out.println("<h2>Statistics per type</h2>");
        table(out, "kelpie-stats", List.of("Type", "Invocations", "Failures", "Timeouts", "Rejected", "Active",
                "Activations", "Passivations", "p50 (us)", "p99 (us)", "p99.9 (us)", "max (us)", "Dropped output lines",
                "Failures by reason"));
        for (ActorTypeStats s : stats) {
            row(out, s.type(), s.invocations(), s.failures(), s.timeouts(), s.rejected(), s.activeActors(),
                    s.activations(), s.passivations(), s.p50Micros(), s.p99Micros(), s.p999Micros(), s.maxMicros(),
                    s.droppedOutputLines(), s.failuresByReason());
        }
        end(out);

        out.println("<h2>Active actors (" + actors.size()
                + (actors.size() > MAX_ACTOR_ROWS ? ", first " + MAX_ACTOR_ROWS + " shown" : "") + ")</h2>");
        table(out, "kelpie-actors", List.of("Actor", "Runs on", "Queued", "Turns", "Memory pages", "Activated",
                "Last active"));
        for (ActiveActor a : actors.subList(0, Math.min(actors.size(), MAX_ACTOR_ROWS))) {
            row(out, a.id(), a.runsOn(), a.queued(), a.turns(), a.memoryPages(), a.activatedAt(), a.lastActiveAt());
        }
        end(out);
        out.println("</div>");
    }

    private static void table(PrintWriter out, String id, List<String> headers) {
        out.print("<table id=\"" + id + "\" class=\"tablesorter nicetable\"><thead><tr>");
        for (String h : headers) {
            out.print("<th>" + Html.escape(h) + "</th>");
        }
        out.println("</tr></thead><tbody>");
    }

    private static void row(PrintWriter out, Object... cells) {
        out.print("<tr>");
        for (Object c : cells) {
            out.print("<td>" + Html.escape(c) + "</td>");
        }
        out.println("</tr>");
    }

    private static void end(PrintWriter out) {
        out.println("</tbody></table>");
    }
}
