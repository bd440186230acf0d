package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.util.tracker.BundleTracker;
import org.osgi.util.tracker.BundleTrackerCustomizer;

/**
 * Runs module bundles: a bundle with a {@value ModuleHeader#NAME} header, once active, has each declared
 * {@code .wasm} entry installed in the registry and deployed as an actor type.
 *
 * <ul>
 *   <li>Stopping the bundle suspends its types at once (turns in flight finish, actors passivate with
 *       their state saved, new messages wait); if the bundle does not come back within the update grace,
 *       the types are undeployed, waiting messages fail, and the modules leave the registry.
 *   <li>Updating the bundle is a stop and a start within the grace: the new code is deployed over the
 *       suspended types (a hot swap) and the waiting messages run on it. Nothing is lost or run twice.
 *   <li>Uninstalling the bundle removes its types at once.
 * </ul>
 */
@Component(immediate = true, configurationPid = ModuleExtender.PID)
@Designate(ocd = ModuleExtender.Config.class)
public final class ModuleExtender {
    public static final String PID = "dev.kelpie.extender";
    private static final System.Logger LOG = System.getLogger("kelpie.extender");

    /** ConfigAdmin configuration of the extender. */
    @ObjectClassDefinition(name = "Kelpie module bundle extender")
    public @interface Config {
        @AttributeDefinition(description = "How long a stopped module bundle's types wait for it to come back "
                + "(an update) before they are removed, in milliseconds")
        long update__grace__millis() default 2000;
    }

    /** What one active module bundle deployed. */
    record Deployment(long bundleId, String bundleName, List<String> types, Set<ModuleHash> modules) {}

    private record Pending(Deployment deployment, ScheduledFuture<?> removal) {}

    private final ModuleRegistry registry;
    private final ActorRuntime runtime;
    private final long graceMillis;
    private final BundleContext context;
    private final ScheduledExecutorService timer;
    private final Map<String, Long> owners = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private final BundleTracker<Deployment> tracker;
    private final SynchronousBundleListener listener = this::bundleChanged;
    private final List<String> problems = new ArrayList<>();

    @Activate
    public ModuleExtender(BundleContext context, @Reference ModuleRegistry registry, @Reference ActorRuntime runtime,
            Config config) {
        this.context = context;
        this.registry = registry;
        this.runtime = runtime;
        this.graceMillis = config.update__grace__millis();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kelpie-extender");
            t.setDaemon(true);
            return t;
        });
        context.addBundleListener(listener);
        this.tracker = new BundleTracker<>(context, Bundle.ACTIVE | Bundle.STARTING, new BundleTrackerCustomizer<>() {
            @Override
            public Deployment addingBundle(Bundle bundle, BundleEvent event) {
                return bundle.getHeaders("").get(ModuleHeader.NAME) == null ? null : deploy(bundle);
            }

            @Override
            public void modifiedBundle(Bundle bundle, BundleEvent event, Deployment deployment) {
                // STARTING -> ACTIVE: already deployed
            }

            @Override
            public void removedBundle(Bundle bundle, BundleEvent event, Deployment deployment) {
                suspend(deployment);
            }
        });
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(listener);
        tracker.close(); // suspends every deployment
        synchronized (this) {
            for (Pending p : new ArrayList<>(pending.values())) {
                p.removal().cancel(false);
                remove(p.deployment());
            }
            pending.clear();
        }
        timer.shutdownNow();
    }

    /** Problems met with module bundles, newest last (for the shell and logs). */
    public synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    private synchronized Deployment deploy(Bundle bundle) {
        String name = bundle.getSymbolicName() + " " + bundle.getVersion();
        long id = bundle.getBundleId();
        Pending previous = pending.remove(id);
        if (previous != null) {
            previous.removal().cancel(false);
        }
        List<String> deployedNow = new ArrayList<>();
        Set<ModuleHash> modules = new LinkedHashSet<>();
        try {
            List<ModuleHeader.Entry> entries = ModuleHeader.parse(name, bundle.getHeaders("").get(ModuleHeader.NAME),
                    runtime.defaultLimits());
            for (ModuleHeader.Entry entry : entries) {
                Long owner = owners.get(entry.type());
                if (owner != null && owner != id) {
                    throw new IllegalArgumentException("bundle " + name + ": actor type '" + entry.type()
                            + "' is already provided by bundle " + owner);
                }
            }
            for (ModuleHeader.Entry entry : entries) {
                byte[] bytes = read(bundle, name, entry.path());
                CompiledModule module = registry.install(bundle.getSymbolicName() + "!/" + entry.path(), bytes);
                modules.add(module.descriptor().hash());
                runtime.deploy(ActorType.wasm(entry.type(), module.descriptor().hash(), entry.limits())
                        .withHostNamespaces(entry.namespaces()));
                owners.put(entry.type(), id);
                deployedNow.add(entry.type());
            }
        } catch (RuntimeException e) {
            report("module bundle " + name + " not deployed: " + e.getMessage());
            for (String type : deployedNow) {
                runtime.undeploy(type);
                owners.remove(type);
            }
            if (previous != null) {
                remove(previous.deployment()); // the old revision's types cannot be resumed
            }
            removeUnused(modules);
            return null;
        }
        if (previous != null) {
            // types the old revision had and the new one dropped
            List<String> dropped = new ArrayList<>(previous.deployment().types());
            dropped.removeAll(deployedNow);
            remove(new Deployment(id, name, dropped, previous.deployment().modules()));
            Set<ModuleHash> old = new HashSet<>(previous.deployment().modules());
            old.removeAll(modules);
            removeUnused(old);
            LOG.log(System.Logger.Level.INFO, "module bundle " + name + " updated: " + deployedNow);
        } else {
            LOG.log(System.Logger.Level.INFO, "module bundle " + name + " deployed: " + deployedNow);
        }
        return new Deployment(id, name, deployedNow, modules);
    }

    private byte[] read(Bundle bundle, String name, String path) {
        URL url = bundle.getEntry(path);
        if (url == null) {
            throw new IllegalArgumentException("bundle " + name + " has no entry " + path);
        }
        try (InputStream in = url.openStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, registry.maxModuleBytes() + 1));
            if (bytes.length > registry.maxModuleBytes()) {
                throw new IllegalArgumentException("bundle " + name + ", entry " + path + ": over the module size cap of "
                        + registry.maxModuleBytes() + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new IllegalArgumentException("bundle " + name + ": cannot read entry " + path + ": " + e, e);
        }
    }

    /** The bundle is stopping: suspend its types now, remove them unless it comes back within the grace. */
    private synchronized void suspend(Deployment deployment) {
        for (String type : deployment.types()) {
            runtime.suspend(type);
        }
        schedule(deployment, graceMillis);
    }

    private void schedule(Deployment deployment, long delayMillis) {
        ScheduledFuture<?> removal = timer.schedule(() -> removeIfPending(deployment.bundleId()), delayMillis,
                TimeUnit.MILLISECONDS);
        Pending old = pending.put(deployment.bundleId(), new Pending(deployment, removal));
        if (old != null) {
            old.removal().cancel(false);
        }
    }

    private synchronized void removeIfPending(long bundleId) {
        Pending p = pending.remove(bundleId);
        if (p != null) {
            remove(p.deployment());
            removeUnused(p.deployment().modules());
        }
    }

    private void bundleChanged(BundleEvent event) {
        long id = event.getBundle().getBundleId();
        if (event.getType() == BundleEvent.UNINSTALLED) {
            removeIfPending(id);
        } else if (event.getType() == BundleEvent.UPDATED) {
            synchronized (this) {
                Pending p = pending.get(id);
                if (p != null) {
                    // a new revision is on its way: wait longer for it to start
                    schedule(p.deployment(), Math.max(graceMillis, 30_000));
                }
            }
        }
    }

    private void remove(Deployment deployment) {
        for (String type : deployment.types()) {
            runtime.undeploy(type);
            owners.remove(type);
        }
        if (!deployment.types().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "module bundle " + deployment.bundleName() + " removed: " + deployment.types());
        }
    }

    private void removeUnused(Set<ModuleHash> modules) {
        Set<ModuleHash> inUse = new HashSet<>();
        for (ActorType t : runtime.types()) {
            if (t.isWasm()) {
                inUse.add(t.module());
            }
        }
        for (ModuleHash h : modules) {
            if (!inUse.contains(h)) {
                registry.remove(h);
            }
        }
    }

    private void report(String problem) {
        LOG.log(System.Logger.Level.ERROR, problem);
        problems.add(problem);
        if (problems.size() > 100) {
            problems.remove(0);
        }
    }
}
