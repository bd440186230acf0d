package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.felix.utils.manifest.Attribute;
import org.apache.felix.utils.manifest.Clause;
import org.apache.felix.utils.manifest.Parser;

/**
 * The {@value #NAME} manifest header of a module bundle: one clause per actor type.
 *
 * <pre>
 * Kelpie-Module: counter;path=wasm/counter.wasm;timeout=30s;memory=256MiB;payload=1MiB;
 *   mailbox=10000;idle=5m;namespaces="actors,greeting",
 *  files;path=wasm/files.wasm;args="files,--verbose";env="MODE=demo,LANG=C";dir=files/demo;dir-mode=rw;
 *   dir-quota=16MiB
 * </pre>
 *
 * {@code path} is required; every other attribute defaults to the runtime's default limits. Without
 * {@code namespaces} the type may call only the core host namespaces (state, log, clock, random).
 * {@code namespaces} is a quoted, comma-separated list; waPC-style names such as {@code sample:namespace}
 * work (the deployment service checks every name, with the same rule as {@code kelpie:install}). Durations
 * and sizes are parsed by {@link ActorLimits#parseDuration} and {@link ActorLimits#parseSize}.
 *
 * <p>A WASI guest's environment ({@link GuestEnvironment}; none without these attributes): {@code args}, a
 * quoted, comma-separated {@code argv}; {@code env}, quoted, comma-separated {@code NAME=value} pairs;
 * {@code dir}, a directory relative to the runtime's WASI root that the guest sees at {@code /data};
 * {@code dir-mode}, {@code ro} (default) or {@code rw}; {@code dir-quota}, a size, for {@code rw}. An
 * argument or value cannot hold a comma here (the embedding API and {@code kelpie:install} take any).
 */
final class ModuleHeader {
    static final String NAME = "Kelpie-Module";
    private static final Set<String> ATTRIBUTES =
            Set.of("path", "timeout", "memory", "payload", "mailbox", "idle", "namespaces", "args", "env", "dir",
                    "dir-mode", "dir-quota");

    /** One declared actor type; {@code environment} is {@link GuestEnvironment#NONE} without WASI attributes. */
    record Entry(String type, String path, ActorLimits limits, Set<String> namespaces, GuestEnvironment environment) {}

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
            GuestEnvironment environment;
            try {
                environment = environment(clause);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            entries.add(new Entry(type, path.startsWith("/") ? path.substring(1) : path, limits, namespaces, environment));
        }
        return entries;
    }

    /** The WASI attributes of a clause: args, env, dir, dir-mode, dir-quota. */
    private static GuestEnvironment environment(Clause clause) {
        GuestEnvironment env = GuestEnvironment.NONE;
        String v;
        if ((v = clause.getAttribute("args")) != null) {
            env = env.withArguments(list(v));
        }
        if ((v = clause.getAttribute("env")) != null) {
            Map<String, String> vars = new LinkedHashMap<>();
            for (String pair : list(v)) {
                Map.Entry<String, String> e = GuestEnvironment.parseVariable(pair);
                if (vars.put(e.getKey(), e.getValue()) != null) {
                    throw new IllegalArgumentException("environment variable " + e.getKey() + " is given twice");
                }
            }
            env = env.withVariables(vars);
        }
        String dir = clause.getAttribute("dir");
        String mode = clause.getAttribute("dir-mode");
        String quota = clause.getAttribute("dir-quota");
        if (dir == null) {
            if (mode != null || quota != null) {
                throw new IllegalArgumentException("dir-mode and dir-quota need dir=<directory under the WASI root>");
            }
            return env;
        }
        String m = mode == null ? "ro" : mode.trim().toLowerCase(java.util.Locale.ROOT);
        if (!m.equals("ro") && !m.equals("rw")) {
            throw new IllegalArgumentException("dir-mode must be ro or rw, was '" + mode + "'");
        }
        env = env.withDirectory(dir.trim(), m.equals("rw"));
        if (quota != null) {
            if (!env.writable()) {
                throw new IllegalArgumentException("dir-quota needs dir-mode=rw");
            }
            env = env.withDirectoryQuota(ActorLimits.parseSize(quota));
        }
        return env;
    }

    /** A comma-separated list, each item trimmed, empty items dropped. */
    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.trim().isEmpty()) {
                items.add(item.trim());
            }
        }
        return items;
    }
}
