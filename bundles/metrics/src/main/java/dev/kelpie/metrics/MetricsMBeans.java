package dev.kelpie.metrics;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.module.ModuleRegistry;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** The samples by the MBean they belong to, each keyed by its attribute name. */
    static Map<ObjectName, Map<String, Double>> group(List<Metric> metrics) {
        Map<ObjectName, Map<String, Double>> out = new LinkedHashMap<>();
        out.put(name("kind=Runtime"), new LinkedHashMap<>());
        for (Metric m : metrics) {
            for (Metric.Sample s : m.samples()) {
                Map<String, String> labels = new LinkedHashMap<>(s.labels());
                ObjectName owner;
                if (labels.containsKey("type")) {
                    owner = name("kind=ActorType,name=" + ObjectName.quote(labels.remove("type")));
                } else if (labels.containsKey("module")) {
                    owner = name("kind=Module,name=" + ObjectName.quote(labels.remove("module")) + ",sha256="
                            + labels.remove("sha256"));
                } else {
                    owner = name("kind=Runtime");
                }
                StringBuilder attribute = new StringBuilder(m.name().substring("kelpie_".length())).append(s.suffix());
                labels.values().forEach(v -> attribute.append('_').append(v));
                out.computeIfAbsent(owner, k -> new LinkedHashMap<>()).put(attribute.toString(), s.value());
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
