package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.actor.LatencyStats;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Reads the runtime's counters and the registry into the Prometheus Java client's metric snapshots (a
 * {@link MultiCollector}: one consistent read of the runtime per scrape), the one source of both the Prometheus
 * text at {@code /metrics} and the JMX MBeans. The values are computed by the runtime (its counters and
 * HdrHistogram quantiles), so the families are built from snapshots rather than from the client's own
 * instruments, which would count and estimate quantiles a second time:
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
final class MetricsCollector implements MultiCollector {
    /** The quantiles of every summary: the runtime's p50, p99 and p99.9. */
    static final double[] QUANTILES = {0.5, 0.99, 0.999};
    private final ActorRuntime runtime;
    private final ModuleRegistry registry;

    MetricsCollector(ActorRuntime runtime, ModuleRegistry registry) {
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.registry = Objects.requireNonNull(registry, "module registry");
    }

    @Override
    public MetricSnapshots collect() {
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
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(perTypeCounter(stats, "kelpie_actor_messages_total", "Messages completed (successfully or not)",
                s -> s.invocations()));
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("kelpie_actor_errors_total")
                .help("Messages that failed or were refused, by reason (actor_error, trap, timeout, mailbox_full, ...)");
        for (ActorTypeStats s : stats) {
            new TreeMap<>(s.failuresByReason()).forEach((reason, n) -> errors.dataPoint(CounterDataPointSnapshot.builder()
                    .labels(Labels.of("type", s.type(), "reason", reason)).value(n).build()));
        }
        out.add(errors.build());
        SummarySnapshot.Builder latency = SummarySnapshot.builder().name("kelpie_actor_turn_latency_seconds")
                .help("Time from enqueue to completion of a message, in seconds (since the type was deployed)");
        for (ActorTypeStats s : stats) {
            latency.dataPoint(summaryPoint(Labels.of("type", s.type()), s.invocations(),
                    s.p50Micros(), s.p99Micros(), s.p999Micros()));
        }
        out.add(latency.build());
        out.add(perTypeGauge(stats, "kelpie_actor_turn_latency_max_seconds", "Largest message latency, in seconds",
                s -> seconds(s.maxMicros())));
        out.add(perTypeGauge(stats, "kelpie_actor_mailbox_depth", "Messages waiting in the mailboxes of active actors",
                s -> queuedByType.getOrDefault(s.type(), 0L)));
        out.add(perTypeGauge(stats, "kelpie_actor_active", "Active actors", s -> s.activeActors()));
        out.add(perTypeCounter(stats, "kelpie_actor_activations_total", "Activations", s -> s.activations()));
        out.add(perTypeCounter(stats, "kelpie_actor_passivations_total", "Passivations", s -> s.passivations()));
        out.add(perTypeCounter(stats, "kelpie_actor_dropped_output_lines_total",
                "Guest output lines dropped by the output rate limit", s -> s.droppedOutputLines()));

        GaugeSnapshot.Builder instances = GaugeSnapshot.builder().name("kelpie_module_instances")
                .help("Live instances of the module (its active actors)");
        GaugeSnapshot.Builder pages = GaugeSnapshot.builder().name("kelpie_module_memory_pages")
                .help("Linear memory of the module's instances, in 64 KiB pages");
        GaugeSnapshot.Builder sizes = GaugeSnapshot.builder().name("kelpie_module_size_bytes")
                .help("Size of the module's bytes");
        for (ModuleDescriptor m : registry.list()) {
            // an active actor names what it runs on by the module's label, name@hash12
            Labels l = Labels.of("module", m.name(), "sha256", m.hash().shortHex());
            instances.dataPoint(gauge(l, instancesByModule.getOrDefault(m.label(), 0L)));
            pages.dataPoint(gauge(l, pagesByModule.getOrDefault(m.label(), 0L)));
            sizes.dataPoint(gauge(l, m.sizeBytes()));
        }
        out.add(instances.build());
        out.add(pages.build());
        out.add(sizes.build());

        runtime.storeCommitLatency().ifPresent(c -> {
            out.add(SummarySnapshot.builder().name("kelpie_store_commit_latency_seconds")
                    .help("Time the state store took to commit a turn's writes, in seconds")
                    .dataPoint(summaryPoint(Labels.EMPTY, c.count(), c.p50Micros(), c.p99Micros(), c.p999Micros()))
                    .build());
            out.add(runtimeGauge("kelpie_store_commit_latency_max_seconds", "Longest store commit, in seconds",
                    seconds(c.maxMicros())));
        });
        runtime.memoryBudgetBytes().ifPresent(b -> out.add(runtimeGauge("kelpie_memory_budget_bytes",
                "Linear memory all active WASM actors may hold together", b)));
        runtime.memoryBudgetUsedBytes().ifPresent(b -> out.add(runtimeGauge("kelpie_memory_budget_used_bytes",
                "Linear memory active WASM actors hold now", b)));
        out.add(runtimeGauge("kelpie_actors_active", "Active actors of all types", actors.size()));
        return new MetricSnapshots(out);
    }

    private static CounterSnapshot perTypeCounter(List<ActorTypeStats> stats, String name, String help,
            ToDoubleFunction<ActorTypeStats> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (ActorTypeStats s : stats) {
            b.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("type", s.type()))
                    .value(value.applyAsDouble(s)).build());
        }
        return b.build();
    }

    private static GaugeSnapshot perTypeGauge(List<ActorTypeStats> stats, String name, String help,
            ToDoubleFunction<ActorTypeStats> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (ActorTypeStats s : stats) {
            b.dataPoint(gauge(Labels.of("type", s.type()), value.applyAsDouble(s)));
        }
        return b.build();
    }

    private static GaugeSnapshot runtimeGauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(gauge(Labels.EMPTY, value)).build();
    }

    private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    /** A summary's point: the count and the three quantiles (no {@code _sum}: the runtime keeps none). */
    private static SummaryDataPointSnapshot summaryPoint(Labels labels, long count, long p50Micros, long p99Micros,
            long p999Micros) {
        long[] micros = {p50Micros, p99Micros, p999Micros};
        Quantiles.Builder q = Quantiles.builder();
        for (int i = 0; i < QUANTILES.length; i++) {
            q.quantile(new Quantile(QUANTILES[i], seconds(micros[i])));
        }
        return SummaryDataPointSnapshot.builder().labels(labels).count(count).quantiles(q.build()).build();
    }

    private static double seconds(long micros) {
        return micros / 1_000_000.0;
    }
}
