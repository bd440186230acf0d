package dev.kelpie.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.cluster.ClusterView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The cluster member of a Kelpie framework (configuration {@value #PID}; nothing starts without it or with
 * {@code enabled = false}). Activation returns at once: the member starts on a thread of its own, bounded by
 * {@code start_timeout_seconds}, and once it has joined, the component registers the
 * {@link HazelcastInstance} (property {@value #NAME_PROPERTY}), the {@link ClusterView} and the command
 * {@code kelpie:where}; once there is also an {@link ActorRuntime} (an optional reference: a clustered state
 * store the runtime needs may need the member first), it serves the runtime's actors and registers the
 * {@link ActorRouter} the runtime sends messages through. Deactivation withdraws them and leaves the
 * cluster, bounded by {@code shutdown_timeout_seconds}.
 */
@Component(configurationPid = ClusterComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = ClusterComponent.Config.class)
public final class ClusterComponent {
    public static final String PID = "dev.kelpie.cluster";
    /** The service property naming the cluster on the registered {@link HazelcastInstance}. */
    public static final String NAME_PROPERTY = "kelpie.cluster.name";
    private static final System.Logger LOG = System.getLogger("kelpie.cluster");

    /** ConfigAdmin configuration of the cluster member. */
    @ObjectClassDefinition(name = "Kelpie cluster")
    public @interface Config {
        @AttributeDefinition(description = "Whether this framework is a cluster member; false = single-node")
        boolean enabled() default false;

        @AttributeDefinition(description = "The cluster's name; members of other names never join")
        String name() default "kelpie";

        @AttributeDefinition(description = "The address this member binds and is reached at (IP address or name)")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "This member's port")
        int port() default 5701;

        @AttributeDefinition(description = "Comma-separated host:port of the members tried when joining")
        String members() default "127.0.0.1:5701";

        @AttributeDefinition(description = "Seconds the member may take to start and join")
        int start__timeout__seconds() default 60;

        @AttributeDefinition(description = "Seconds a graceful leave may take before the member is terminated")
        int shutdown__timeout__seconds() default 30;

        @AttributeDefinition(description = "A fixed bound on calls to another member, in milliseconds; 0 = twice the "
                + "type's invocation timeout plus the runtime's call-wait allowance")
        long call__timeout__ms() default 0;

        @AttributeDefinition(description = "Threads running messages routed to this member")
        int call__threads() default 64;

        @AttributeDefinition(description = "Routed messages that may wait for one of those threads; past it UNAVAILABLE")
        int call__queue__capacity() default 10_000;

        @AttributeDefinition(description = "How often a message follows its actor to a new member before UNAVAILABLE")
        int max__moves() default 3;

        @AttributeDefinition(description = "Seconds without a heartbeat after which a member is taken for dead")
        int failure__detection__seconds() default 10;

        @AttributeDefinition(description = "Seconds a starting member waits for others before it forms a cluster")
        int join__wait__seconds() default 5;
    }

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private ServiceRegistration<ActorRouter> routerRegistration;
    private BundleContext context;
    private ActorRuntime runtime;
    private KelpieCluster cluster;
    private boolean deactivated;

    /**
     * The actor runtime whose actors this member serves, when there is one: optional, so that the member
     * (and its {@link HazelcastInstance}, which a clustered state store of the runtime may need) starts
     * without it.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void bindRuntime(ActorRuntime r) {
        if (runtime != null) {
            stopServing(); // a replacement: serve the new one
        }
        runtime = r;
        serve();
    }

    synchronized void unbindRuntime(ActorRuntime r) {
        if (runtime == r) {
            stopServing();
            runtime = null;
        }
    }

    @Activate
    void activate(BundleContext context, Config config) {
        this.context = context;
        if (!config.enabled()) {
            LOG.log(System.Logger.Level.INFO, "cluster: enabled = false in " + PID + ": single-node");
            return;
        }
        ClusterSettings settings;
        try {
            settings = settings(config);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage() + " (" + PID + "); the member does not start");
            throw e;
        }
        Thread starter = new Thread(() -> start(settings), "kelpie-cluster-activate");
        starter.setDaemon(true);
        starter.start();
    }

    static ClusterSettings settings(Config c) {
        return new ClusterSettings(c.name(), c.host(), c.port(), ClusterSettings.parseMembers(c.members()),
                Duration.ofSeconds(c.start__timeout__seconds()), Duration.ofSeconds(c.shutdown__timeout__seconds()),
                Duration.ofMillis(c.call__timeout__ms()), c.call__threads(), c.call__queue__capacity(), c.max__moves(),
                Duration.ofSeconds(c.failure__detection__seconds()), Duration.ofSeconds(c.join__wait__seconds()));
    }

    /** On the starter thread: starts the member, registers its services, and serves the runtime if there is one. */
    private void start(ClusterSettings settings) {
        KelpieCluster started;
        try {
            started = KelpieCluster.startMember(settings, ClusterComponent.class.getClassLoader());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage() + "; Kelpie runs single-node", e);
            return;
        }
        synchronized (this) {
            if (!deactivated) {
                cluster = started;
                try {
                    register(started);
                    LOG.log(System.Logger.Level.INFO, "cluster '" + settings.name() + "': member " + settings.address()
                            + " joined; members " + started.view().members());
                    serve();
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "cluster member " + settings.address()
                            + ": registering its services failed; it leaves", e);
                    unregister();
                    cluster = null;
                }
            }
        }
        started.close(); // deactivated while starting, or not registered
    }

    private void register(KelpieCluster c) {
        Hashtable<String, Object> props = properties(c);
        registrations.add(context.registerService(HazelcastInstance.class, c.hazelcast(), props));
        registrations.add(context.registerService(ClusterView.class, c.view(), props));
        Hashtable<String, Object> command = new Hashtable<>(props);
        command.put("osgi.command.scope", "kelpie");
        command.put("osgi.command.function", new String[] {"where"});
        registrations.add(context.registerService(Object.class, new WhereCommand(c), command));
    }

    private static Hashtable<String, Object> properties(KelpieCluster c) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(NAME_PROPERTY, c.settings().name());
        return props;
    }

    /** Once both the member and a runtime are there: serve the runtime and register its router. */
    private void serve() {
        if (cluster == null || runtime == null || routerRegistration != null || deactivated) {
            return;
        }
        try {
            ActorRouter router = cluster.serve(runtime);
            routerRegistration = context.registerService(ActorRouter.class, router, properties(cluster));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cluster member " + cluster.settings().address()
                    + " could not serve the actor runtime", e);
            cluster.stopServing();
        }
    }

    /** Withdraws the router first (the runtime routes no more), then stops serving the runtime. */
    private void stopServing() {
        if (routerRegistration != null) {
            unregister(routerRegistration);
            routerRegistration = null;
        }
        if (cluster != null) {
            cluster.stopServing();
        }
    }

    private void unregister() {
        for (int i = registrations.size() - 1; i >= 0; i--) {
            unregister(registrations.get(i));
        }
        registrations.clear();
    }

    private static void unregister(ServiceRegistration<?> r) {
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping: the framework withdrew it
        }
    }

    @Deactivate
    void deactivate() {
        KelpieCluster c;
        synchronized (this) {
            deactivated = true;
            stopServing();
            unregister();
            c = cluster;
            cluster = null;
        }
        if (c != null) {
            c.close();
        }
    }
}
