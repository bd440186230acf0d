package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.actor.LatencyStats;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads the runtime's counters and the registry into {@link Metric} families, the one source of both the
 * Prometheus text at {@code /metrics} and the JMX MBeans:
 * <ul>
 *   <li>per actor type (label {@code type}): {@code kelpie_actor_messages_total},
 *       {@code kelpie_actor_errors_total} (label {@code reason}), {@code kelpie_actor_turn_latency_seconds}
 *       (a summary: quantiles 0.5, 0.99, 0.999 and {@code _count}), {@code kelpie_actor_turn_latency_max_seconds},
 *       {@code kelpie_actor_mailbox_depth}, {@code kelpie_actor_active}, {@code kelpie_actor_activations_total},
 *       {@code kelpie_actor_passivations_total}, {@code kelpie_actor_dropped_output_lines_total};
 *   <li>per module (labels {@code module}, {@code sha256}): {@code kelpie_module_instances},
 *       {@code kelpie_module_memory_pages}, {@code kelpie_module_size_bytes};
 *   <li>runtime: {@code kelpie_store_commit_latency_seconds} (a summary), {@code kelpie_store_commit_latency_max_seconds},
 *       {@code kelpie_memory_budget_bytes}, {@code kelpie_memory_budget_used_bytes}, {@code kelpie_actors_active}.
 * </ul>
 */
final class MetricsCollector {
    static final String[] QUANTILES = {"0.5", "0.99", "0.999"};
    private final ActorRuntime runtime;
    private final ModuleRegistry registry;

    MetricsCollector(ActorRuntime runtime, ModuleRegistry registry) {
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.registry = Objects.requireNonNull(registry, "module registry");
    }

    List<Metric> collect() {
        List<ActorTypeStats> stats = runtime.stats();
        List<ActiveActor> actors = runtime.actors();
        Map<String, Long> queuedByType = new HashMap<>();
        Map<String, Long> instancesByModule = new HashMap<>();
        Map<String, Long> pagesByModule = new HashMap<>();
        for (ActiveActor a : actors) {
            queuedByType.merge(a.id().type(), (long) a.queued(), Long::sum);
            instancesByModule.merge(a.runsOn(), 1L, Long::sum);
            pagesByModule.merge(a.runsOn(), (long) a.memoryPages(), Long::sum);
        }
        List<Metric> out = new ArrayList<>();
        out.add(perType(stats, "kelpie_actor_messages_total", "counter", "Messages completed (successfully or not)",
                s -> (double) s.invocations()));
        List<Metric.Sample> errors = new ArrayList<>();
        for (ActorTypeStats s : stats) {
            new TreeMap<>(s.failuresByReason()).forEach((reason, n) ->
                    errors.add(new Metric.Sample("", labels("type", s.type(), "reason", reason), n)));
        }
        out.add(new Metric("kelpie_actor_errors_total", "counter",
                "Messages that failed or were refused, by reason (actor_error, trap, timeout, mailbox_full, ...)", errors));
        List<Metric.Sample> latency = new ArrayList<>();
        for (ActorTypeStats s : stats) {
            long[] micros = {s.p50Micros(), s.p99Micros(), s.p999Micros()};
            for (int i = 0; i < QUANTILES.length; i++) {
                latency.add(new Metric.Sample("", labels("type", s.type(), "quantile", QUANTILES[i]), seconds(micros[i])));
            }
            latency.add(new Metric.Sample("_count", labels("type", s.type()), s.invocations()));
        }
        out.add(new Metric("kelpie_actor_turn_latency_seconds", "summary",
                "Time from enqueue to completion of a message, in seconds (since the type was deployed)", latency));
        out.add(perType(stats, "kelpie_actor_turn_latency_max_seconds", "gauge", "Largest message latency, in seconds",
                s -> seconds(s.maxMicros())));
        out.add(perType(stats, "kelpie_actor_mailbox_depth", "gauge", "Messages waiting in the mailboxes of active actors",
                s -> (double) queuedByType.getOrDefault(s.type(), 0L)));
        out.add(perType(stats, "kelpie_actor_active", "gauge", "Active actors", s -> (double) s.activeActors()));
        out.add(perType(stats, "kelpie_actor_activations_total", "counter", "Activations", s -> (double) s.activations()));
        out.add(perType(stats, "kelpie_actor_passivations_total", "counter", "Passivations", s -> (double) s.passivations()));
        out.add(perType(stats, "kelpie_actor_dropped_output_lines_total", "counter",
                "Guest output lines dropped by the output rate limit", s -> (double) s.droppedOutputLines()));

        List<Metric.Sample> instances = new ArrayList<>();
        List<Metric.Sample> pages = new ArrayList<>();
        List<Metric.Sample> sizes = new ArrayList<>();
        for (ModuleDescriptor m : registry.list()) {
            // an active actor names what it runs on by the module's label, name@hash12
            Map<String, String> l = labels("module", m.name(), "sha256", m.hash().shortHex());
            instances.add(new Metric.Sample("", l, instancesByModule.getOrDefault(m.label(), 0L)));
            pages.add(new Metric.Sample("", l, pagesByModule.getOrDefault(m.label(), 0L)));
            sizes.add(new Metric.Sample("", l, m.sizeBytes()));
        }
        out.add(new Metric("kelpie_module_instances", "gauge", "Live instances of the module (its active actors)", instances));
        out.add(new Metric("kelpie_module_memory_pages", "gauge", "Linear memory of the module's instances, in 64 KiB pages", pages));
        out.add(new Metric("kelpie_module_size_bytes", "gauge", "Size of the module's bytes", sizes));

        runtime.storeCommitLatency().ifPresent(c -> {
            out.add(summary("kelpie_store_commit_latency_seconds",
                    "Time the state store took to commit a turn's writes, in seconds", c));
            out.add(new Metric("kelpie_store_commit_latency_max_seconds", "gauge", "Longest store commit, in seconds",
                    List.of(new Metric.Sample("", Map.of(), seconds(c.maxMicros())))));
        });
        runtime.memoryBudgetBytes().ifPresent(b -> out.add(new Metric("kelpie_memory_budget_bytes", "gauge",
                "Linear memory all active WASM actors may hold together", List.of(new Metric.Sample("", Map.of(), b)))));
        runtime.memoryBudgetUsedBytes().ifPresent(b -> out.add(new Metric("kelpie_memory_budget_used_bytes", "gauge",
                "Linear memory active WASM actors hold now", List.of(new Metric.Sample("", Map.of(), b)))));
        out.add(new Metric("kelpie_actors_active", "gauge", "Active actors of all types",
                List.of(new Metric.Sample("", Map.of(), actors.size()))));
        return out;
    }

    private interface Value {
        double of(ActorTypeStats s);
    }

    private static Metric perType(List<ActorTypeStats> stats, String name, String type, String help, Value value) {
        List<Metric.Sample> samples = new ArrayList<>();
        for (ActorTypeStats s : stats) {
            samples.add(new Metric.Sample("", labels("type", s.type()), value.of(s)));
        }
        return new Metric(name, type, help, samples);
    }

    private static Metric summary(String name, String help, LatencyStats l) {
        long[] micros = {l.p50Micros(), l.p99Micros(), l.p999Micros()};
        List<Metric.Sample> samples = new ArrayList<>();
        for (int i = 0; i < QUANTILES.length; i++) {
            samples.add(new Metric.Sample("", labels("quantile", QUANTILES[i]), seconds(micros[i])));
        }
        samples.add(new Metric.Sample("_count", Map.of(), l.count()));
        return new Metric(name, "summary", help, samples);
    }

    private static Map<String, String> labels(String... namesAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }

    private static double seconds(long micros) {
        return micros / 1_000_000.0;
    }
}
