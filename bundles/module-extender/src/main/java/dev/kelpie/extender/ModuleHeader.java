package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.felix.utils.manifest.Attribute;
import org.apache.felix.utils.manifest.Clause;
import org.apache.felix.utils.manifest.Parser;

/**
 * The {@value #NAME} manifest header of a module bundle: one clause per actor type.
 *
 * <pre>
 * Kelpie-Module: counter;path=wasm/counter.wasm;timeout=30s;memory=256MiB;payload=1MiB;
 *   mailbox=10000;idle=5m;namespaces="actors,greeting"
 * </pre>
 *
 * {@code path} is required; every other attribute defaults to the runtime's default limits. Without
 * {@code namespaces} the type may call only the core host namespaces (state, log, clock, random).
 * {@code namespaces} is a quoted, comma-separated list; waPC-style names such as {@code sample:namespace}
 * work (the deployment service checks every name, with the same rule as {@code kelpie:install}). Durations
 * and sizes are parsed by {@link ActorLimits#parseDuration} and {@link ActorLimits#parseSize}.
 */
final class ModuleHeader {
    static final String NAME = "Kelpie-Module";
    private static final Set<String> ATTRIBUTES =
            Set.of("path", "timeout", "memory", "payload", "mailbox", "idle", "namespaces");

    /** One declared actor type. */
    record Entry(String type, String path, ActorLimits limits, Set<String> namespaces) {}

    private ModuleHeader() {}

    /** Parses the header; every error names the bundle, the clause and what is wrong. */
    static List<Entry> parse(String bundle, String header) {
        return parse(bundle, header, ActorLimits.DEFAULTS);
    }

    /** Parses the header with the given limits as defaults for unset attributes. */
    static List<Entry> parse(String bundle, String header, ActorLimits defaults) {
        if (header == null || header.isBlank()) {
            throw new IllegalArgumentException("bundle " + bundle + ": the " + NAME + " header is empty");
        }
        Clause[] clauses;
        try {
            clauses = Parser.parseHeader(header);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bundle " + bundle + ": the " + NAME + " header cannot be parsed: " + e.getMessage(), e);
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Clause clause : clauses) {
            String type = clause.getName();
            String where = "bundle " + bundle + ", " + NAME + " type '" + type + "'";
            for (Attribute a : clause.getAttributes()) {
                if (!ATTRIBUTES.contains(a.getName())) {
                    throw new IllegalArgumentException(where + ": unknown attribute '" + a.getName() + "' (known: "
                            + String.join(", ", new java.util.TreeSet<>(ATTRIBUTES)) + ")");
                }
            }
            if (!seen.add(type)) {
                throw new IllegalArgumentException(where + ": declared twice");
            }
            String path = clause.getAttribute("path");
            if (path == null || path.isBlank()) {
                throw new IllegalArgumentException(where + ": no path=<entry of the .wasm in the bundle>");
            }
            ActorLimits limits = defaults;
            try {
                String v;
                if ((v = clause.getAttribute("timeout")) != null) {
                    limits = limits.withInvocationTimeout(ActorLimits.parseDuration(v));
                }
                if ((v = clause.getAttribute("idle")) != null) {
                    limits = limits.withIdleTimeout(ActorLimits.parseDuration(v));
                }
                if ((v = clause.getAttribute("memory")) != null) {
                    limits = limits.withMaxMemoryBytes(ActorLimits.parseSize(v));
                }
                if ((v = clause.getAttribute("payload")) != null) {
                    limits = limits.withMaxPayloadBytes(Math.toIntExact(ActorLimits.parseSize(v)));
                }
                if ((v = clause.getAttribute("mailbox")) != null) {
                    limits = limits.withMailboxCapacity(Integer.parseInt(v.trim()));
                }
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            Set<String> namespaces = new LinkedHashSet<>();
            String ns = clause.getAttribute("namespaces");
            if (ns != null) {
                Arrays.stream(ns.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(namespaces::add);
            }
            entries.add(new Entry(type, path.startsWith("/") ? path.substring(1) : path, limits, namespaces));
        }
        return entries;
    }
}
