package dev.kelpie.cluster.modules;

import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.deploy.DeploymentListener;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.module.ModuleRegistry;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The module rollout in OSGi: active only while Kelpie's cluster member (the {@link HazelcastInstance}
 * service with a {@code kelpie.cluster.name} property, registered by the cluster bundle when
 * {@code dev.kelpie.cluster} says {@code enabled = true}) is there, so a single-node Kelpie never loads a
 * Hazelcast class from this bundle.
 *
 * <p>It registers the rollout as the deployer's {@link DeploymentListener} itself, once constructed, rather
 * than as a DS service: the deployer binds its listeners when it activates, and this component needs the
 * deployer, so a DS-provided listener would be asked for while it is still being constructed (a cycle SCR
 * reports as "Unable to get service").
 */
@Component(configurationPid = ModuleRolloutComponent.PID)
@Designate(ocd = ModuleRolloutComponent.Config.class)
public final class ModuleRolloutComponent {
    public static final String PID = "dev.kelpie.cluster.modules";

    /** ConfigAdmin configuration of the module rollout. */
    @ObjectClassDefinition(name = "Kelpie cluster module rollout", description = "Installing, updating or removing a"
            + " module on one member reaches every member")
    public @interface Config {
        @AttributeDefinition(description = "Most actor types (removed ones included) the cluster's module map"
                + " kelpie.modules may hold; a new type past it is deployed on its member only, with an error logged")
        int max__types() default 1024;
    }

    private final ModuleRollout rollout;
    private final ServiceRegistration<DeploymentListener> registration;

    @Activate
    public ModuleRolloutComponent(
            @Reference(target = "(kelpie.cluster.name=*)") HazelcastInstance hazelcast,
            @Reference ModuleDeployer deployer, @Reference ActorRuntime runtime, @Reference ModuleRegistry registry,
            BundleContext context, Config config) {
        Bundle system = context.getBundle(0);
        this.rollout = new ModuleRollout(hazelcast, deployer, runtime, registry::maxModuleBytes, config.max__types(),
                () -> system.getState() == Bundle.STOPPING).start();
        ServiceRegistration<DeploymentListener> r;
        try {
            r = context.registerService(DeploymentListener.class, rollout, null);
        } catch (RuntimeException e) {
            rollout.close();
            throw e;
        }
        this.registration = r;
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // unregistered already (the bundle is stopping)
        }
        rollout.close();
    }
}
