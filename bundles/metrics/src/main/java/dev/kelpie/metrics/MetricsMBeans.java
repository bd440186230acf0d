package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.module.ModuleRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The metrics as JMX MBeans of the platform MBean server, refreshed every {@code jmx_refresh_seconds}:
 * {@code dev.kelpie:kind=Runtime}, {@code dev.kelpie:kind=ActorType,name=<type>} per deployed type and
 * {@code dev.kelpie:kind=Module,name=<module>,sha256=<hash12>} per installed module. Each attribute is
 * one series of {@code /metrics} without the {@code kelpie_} prefix and the identifying label, the other
 * labels appended ({@code actor_errors_total_trap}, {@code actor_turn_latency_seconds_0.99}). MBeans of types
 * and modules that went away are unregistered, all of them on deactivation.
 */
@Component(immediate = true, configurationPid = MetricsMBeans.PID)
@Designate(ocd = MetricsMBeans.Config.class)
public final class MetricsMBeans {
    public static final String PID = "dev.kelpie.metrics";
    static final String DOMAIN = "dev.kelpie";
    /** The labels that say which MBean a data point belongs to rather than which attribute. */
    private static final Set<String> OWNER_LABELS = Set.of("type", "module", "sha256");
    private static final System.Logger LOG = System.getLogger(MetricsMBeans.class.getName());

    /** ConfigAdmin configuration, PID {@code dev.kelpie.metrics}. */
    @ObjectClassDefinition(name = "Kelpie metrics", description = "Metrics of the actor runtime as JMX MBeans")
    public @interface Config {
        @AttributeDefinition(name = "JMX refresh (s)", description = "How often the MBeans are brought up to date, in "
                + "seconds (1..3600; default 5)")
        int jmx__refresh__seconds() default 5;
    }

    private final MetricsCollector collector;
    private final MBeanServer server;
    private final Map<ObjectName, SnapshotMBean> registered = new HashMap<>();
    private final ScheduledExecutorService scheduler;

    @Activate
    public MetricsMBeans(@Reference ActorRuntime runtime, @Reference ModuleRegistry registry, Config config) {
        this(new MetricsCollector(runtime, registry), ManagementFactory.getPlatformMBeanServer());
        int seconds = config.jmx__refresh__seconds();
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("jmx_refresh_seconds must be 1..3600, was " + seconds
                    + " (PID " + PID + ")");
        }
        scheduler.scheduleWithFixedDelay(this::syncLogged, seconds, seconds, TimeUnit.SECONDS);
    }

    MetricsMBeans(MetricsCollector collector, MBeanServer server) {
        this.collector = collector;
        this.server = server;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kelpie-metrics-jmx");
            t.setDaemon(true);
            return t;
        });
        sync();
    }

    @Deactivate
    public synchronized void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ObjectName name : registered.keySet()) {
            unregister(name);
        }
        registered.clear();
    }

    private void syncLogged() {
        try {
            sync();
        } catch (Throwable t) { // never let the refresh stop silently: the next tick tries again
            LOG.log(Level.ERROR, "Kelpie metrics: refreshing the JMX MBeans failed", t);
            if (t instanceof VirtualMachineError) {
                throw (VirtualMachineError) t;
            }
        }
    }

    /** Brings the MBeans up to date with a fresh snapshot. */
    synchronized void sync() {
        Map<ObjectName, Map<String, Double>> now = group(collector.collect());
        registered.entrySet().removeIf(e -> {
            if (!now.containsKey(e.getKey())) {
                unregister(e.getKey());
                return true;
            }
            return false;
        });
        now.forEach((name, values) -> {
            SnapshotMBean bean = registered.get(name);
            if (bean != null) {
                bean.update(values);
                return;
            }
            SnapshotMBean fresh = new SnapshotMBean("Kelpie " + name.getKeyProperty("kind") + " " + name, values);
            try {
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name); // left over by an earlier instance of this component
                }
                server.registerMBean(fresh, name);
                registered.put(name, fresh);
            } catch (JMException e) {
                LOG.log(Level.WARNING, "Kelpie metrics: cannot register MBean " + name + ": " + e);
            }
        });
    }

    private void unregister(ObjectName name) {
        try {
            server.unregisterMBean(name);
        } catch (JMException e) {
            LOG.log(Level.DEBUG, "Kelpie metrics: MBean " + name + " was already gone");
        }
    }

    /**
     * The data points by the MBean they belong to (by label {@code type}, or {@code module} and {@code sha256},
     * else the runtime), each keyed by its attribute name: the family's name without {@code kelpie_}, a
     * summary's {@code _count}, then the values of the remaining labels and a summary's quantile, each after
     * an {@code _}.
     */
    static Map<ObjectName, Map<String, Double>> group(MetricSnapshots metrics) {
        Map<ObjectName, Map<String, Double>> out = new LinkedHashMap<>();
        out.put(name("kind=Runtime"), new LinkedHashMap<>());
        for (MetricSnapshot m : metrics) {
            String family = m.getMetadata().getPrometheusName().substring("kelpie_".length())
                    + (m instanceof CounterSnapshot ? "_total" : "");
            for (DataPointSnapshot p : m.getDataPoints()) {
                Labels labels = p.getLabels();
                ObjectName owner;
                StringBuilder others = new StringBuilder();
                if (labels.contains("type")) {
                    owner = name("kind=ActorType,name=" + ObjectName.quote(labels.get("type")));
                } else if (labels.contains("module")) {
                    owner = name("kind=Module,name=" + ObjectName.quote(labels.get("module")) + ",sha256="
                            + labels.get("sha256"));
                } else {
                    owner = name("kind=Runtime");
                }
                for (int i = 0; i < labels.size(); i++) {
                    if (!OWNER_LABELS.contains(labels.getName(i))) {
                        others.append('_').append(labels.getValue(i));
                    }
                }
                Map<String, Double> attributes = out.computeIfAbsent(owner, k -> new LinkedHashMap<>());
                if (p instanceof SummaryDataPointSnapshot summary) {
                    for (Quantile q : summary.getQuantiles()) {
                        attributes.put(family + others + "_" + q.getQuantile(), q.getValue());
                    }
                    attributes.put(family + "_count" + others, (double) summary.getCount());
                } else if (p instanceof CounterDataPointSnapshot counter) {
                    attributes.put(family + others, counter.getValue());
                } else if (p instanceof GaugeDataPointSnapshot gauge) {
                    attributes.put(family + others, gauge.getValue());
                }
            }
        }
        return out;
    }

    private static ObjectName name(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("bad MBean name " + DOMAIN + ":" + properties, e);
        }
    }
}
