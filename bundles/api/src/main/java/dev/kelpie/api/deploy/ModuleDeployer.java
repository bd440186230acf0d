package dev.kelpie.api.deploy;

import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Installs modules and deploys them as actor types, and takes them away again: the one deployment path
 * of the shell ({@code kelpie:install}), the module bundle extender and the embedding API.
 *
 * <p>{@link #deploy} runs, in order: the registry's size cap; install in the registry (or a cache hit);
 * an instantiation check (one instance is linked and initialised the way an activation would, bounded by
 * the type's invocation timeout, then closed), so a module whose imports cannot be linked or whose init
 * traps or never ends is refused now rather than at its first message; then the runtime deploys the type
 * (a hot swap when it exists). On any failure nothing changes: a module this call added to the registry
 * is removed again, and an existing type keeps running its old code.
 *
 * <h2>Defaults</h2>
 * <ul>
 *   <li>Host namespaces: a WASM type may call the {@link #CORE_NAMESPACES core namespaces} plus those its
 *       request declares, nothing else. A request that declares none gets the core namespaces only (a hot
 *       swap keeps the namespaces of the type it replaces).
 *   <li>Limits: the runtime's default limits ({@code ActorRuntime.defaultLimits()}), unless the request
 *       gives some (a hot swap keeps the limits of the type it replaces).
 * </ul>
 *
 * <p>Deployments and undeployments are serialised: each one sees the registry and the runtime as the
 * previous one left them. Every failure is a {@link DeploymentException} naming the module, the type and
 * why.
 */
@ProviderType
public interface ModuleDeployer {
    /** Host namespaces every WASM actor type may call, whether it declares them or not. */
    Set<String> CORE_NAMESPACES = Set.of("state", "log", "clock", "random");

    /**
     * Installs (unless the request names an installed module), checks and deploys an actor type.
     *
     * @throws DeploymentException naming module, type and why; nothing changed then
     */
    DeployResult deploy(DeployRequest request);

    /**
     * Undeploys an actor type (its active actors passivate, messages still queued for it fail) and
     * removes its module from the registry when no other deployed type runs it.
     *
     * @return what was removed, or empty when no type of that name was deployed
     * @throws DeploymentException when the name is not a valid type name
     */
    Optional<UndeployResult> undeploy(String type);
}
