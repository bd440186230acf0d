package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.module.ModuleRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.List;
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
 * {@code .wasm} entry deployed as an actor type through the {@link ModuleDeployer} (the same path as the
 * shell's install: size cap, install, instantiation check, deploy, roll back). A module's code compiled at
 * build time, {@code PATH.compiled} beside it, is offered to the registry first (used when it fits).
 *
 * <ul>
 *   <li>Stopping the bundle suspends its types (turns in flight finish, actors passivate with their state
 *       saved, new messages wait); if the bundle does not come back within the update grace, the types
 *       are undeployed, waiting messages fail, and the modules leave the registry.
 *   <li>Updating the bundle is a stop and a start within the grace: the new code is deployed over the
 *       suspended types (a hot swap) and the waiting messages run on it. Nothing is lost or run twice.
 *   <li>Uninstalling the bundle removes its types at once.
 * </ul>
 *
 * The framework's callbacks only hand the work to the extender's own thread ({@link BundleDeployments})
 * and return: stopping a bundle does not wait for its actors' turns, and the suspension begins a moment
 * after {@code Bundle.stop} returns. Several bundles deploy at once on a bounded pool of deploy threads
 * ({@code deploy_threads}); a bundle's own events still run in the order they came.
 */
@Component(immediate = true, configurationPid = ModuleExtender.PID)
@Designate(ocd = ModuleExtender.Config.class)
public final class ModuleExtender {
    public static final String PID = "dev.kelpie.extender";
    /** How long deactivation waits for the extender's work (removing every type) before giving up. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;

    /** ConfigAdmin configuration of the extender. */
    @ObjectClassDefinition(name = "Kelpie module bundle extender")
    public @interface Config {
        @AttributeDefinition(description = "How long a stopped module bundle's types wait for it to come back "
                + "(an update) before they are removed, in milliseconds")
        long update__grace__millis() default 2000;

        @AttributeDefinition(description = "How many module bundles deploy at once (at start: every bundle of "
                + "deploy/); 0 = one per processor, at most 4; 1 = one after another")
        int deploy__threads() default 0;
    }

    private final BundleContext context;
    private final BundleDeployments deployments;
    private final BundleTracker<Bundle> tracker;
    private final SynchronousBundleListener listener = this::bundleChanged;

    @Activate
    public ModuleExtender(BundleContext context, @Reference ModuleRegistry registry, @Reference ActorRuntime runtime,
            @Reference ModuleDeployer deployer, Config config) {
        this.context = context;
        this.deployments = new BundleDeployments(deployer, runtime, registry::maxModuleBytes, registry::offerCompiledCode,
                config.update__grace__millis(), config.deploy__threads());
        this.tracker = new BundleTracker<>(context, Bundle.ACTIVE | Bundle.STARTING, new BundleTrackerCustomizer<>() {
            @Override
            public Bundle addingBundle(Bundle bundle, BundleEvent event) {
                if (bundle.getHeaders("").get(ModuleHeader.NAME) == null) {
                    return null;
                }
                deployments.started(new OsgiModuleBundle(bundle));
                return bundle;
            }

            @Override
            public void modifiedBundle(Bundle bundle, BundleEvent event, Bundle tracked) {
                // STARTING -> ACTIVE: already handed over
            }

            @Override
            public void removedBundle(Bundle bundle, BundleEvent event, Bundle tracked) {
                deployments.stopped(bundle.getBundleId());
            }
        });
        // the listener first, so no uninstall of a tracked bundle is missed; undone if the tracker fails
        try {
            context.addBundleListener(listener);
            tracker.open();
        } catch (RuntimeException | Error e) {
            try {
                context.removeBundleListener(listener);
                tracker.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            deployments.close(0);
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(listener);
        tracker.close(); // hands over a stop for every tracked bundle
        deployments.close(CLOSE_WAIT_MILLIS); // then removes every type it deployed
    }

    /** Problems met with module bundles, newest last (for the shell and logs). */
    public List<String> problems() {
        return deployments.problems();
    }

    private void bundleChanged(BundleEvent event) {
        long id = event.getBundle().getBundleId();
        if (event.getType() == BundleEvent.UNINSTALLED) {
            deployments.uninstalled(id);
        } else if (event.getType() == BundleEvent.UPDATED) {
            deployments.updated(id);
        }
    }

    /** A module bundle that is an OSGi bundle. */
    private static final class OsgiModuleBundle implements ModuleBundle {
        private final Bundle bundle;

        OsgiModuleBundle(Bundle bundle) {
            this.bundle = bundle;
        }

        @Override
        public long id() {
            return bundle.getBundleId();
        }

        @Override
        public String name() {
            return bundle.getSymbolicName() + " " + bundle.getVersion();
        }

        @Override
        public String symbolicName() {
            return bundle.getSymbolicName();
        }

        @Override
        public String header() {
            return bundle.getHeaders("").get(ModuleHeader.NAME);
        }

        @Override
        public boolean isActive() {
            return (bundle.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0;
        }

        @Override
        public InputStream open(String path) throws IOException {
            URL url = bundle.getEntry(path);
            return url == null ? null : url.openStream();
        }
    }
}
