package dev.kelpie.api.deploy;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.util.Set;

/**
 * What to deploy: an actor type name, the module (bytes to install, or a module already installed), and
 * optionally limits and host namespaces. Build one with {@link #of(String, String, byte[])} or
 * {@link #installed(String, ModuleHash)}, then {@link #withLimits} and {@link #withHostNamespaces}.
 *
 * @param type the actor type's name
 * @param moduleName the name to install the bytes under (a file name, a bundle entry), or null for an
 *     installed module
 * @param bytes the module's bytes (not copied), or null for an installed module
 * @param installedModule the hash of a module already in the registry, or null when bytes are given
 * @param limits the type's limits, or null for those of the type it replaces (a hot swap) or else the
 *     runtime's defaults
 * @param hostNamespaces host namespaces the type may call besides the {@link ModuleDeployer#CORE_NAMESPACES
 *     core ones} (empty: core only), or null for those of the WASM type it replaces or else core only
 * @param environment what the type's WASI guests are given, its directory relative to the deployer's WASI
 *     root; or null for the environment of the WASM type it replaces, or else none
 */
public record DeployRequest(String type, String moduleName, byte[] bytes, ModuleHash installedModule,
        ActorLimits limits, Set<String> hostNamespaces, GuestEnvironment environment) {

    public DeployRequest {
        if ((bytes == null) == (installedModule == null)) {
            throw new IllegalArgumentException("a deployment of type '" + type
                    + "' needs exactly one of module bytes or an installed module's hash");
        }
        if (bytes != null && (moduleName == null || moduleName.isBlank())) {
            throw new IllegalArgumentException("a deployment of type '" + type + "' from bytes needs a module name");
        }
        hostNamespaces = hostNamespaces == null ? null : Set.copyOf(hostNamespaces);
    }

    /** A request without a guest environment (as before it existed). */
    public DeployRequest(String type, String moduleName, byte[] bytes, ModuleHash installedModule,
            ActorLimits limits, Set<String> hostNamespaces) {
        this(type, moduleName, bytes, installedModule, limits, hostNamespaces, null);
    }

    /** Installs the bytes under the name and deploys them as the type. */
    public static DeployRequest of(String type, String moduleName, byte[] bytes) {
        return new DeployRequest(type, moduleName, bytes, null, null, null, null);
    }

    /** Deploys a module already in the registry as the type. */
    public static DeployRequest installed(String type, ModuleHash module) {
        return new DeployRequest(type, null, null, module, null, null, null);
    }

    /** The type's limits (null: the replaced type's, else the runtime's defaults). */
    public DeployRequest withLimits(ActorLimits newLimits) {
        return new DeployRequest(type, moduleName, bytes, installedModule, newLimits, hostNamespaces, environment);
    }

    /** Host namespaces besides the core ones (null: the replaced type's, else none). */
    public DeployRequest withHostNamespaces(Set<String> namespaces) {
        return new DeployRequest(type, moduleName, bytes, installedModule, limits, namespaces, environment);
    }

    /**
     * What the type's WASI guests are given (null: the replaced type's, else none); its directory is
     * relative to the deployer's WASI root.
     */
    public DeployRequest withEnvironment(GuestEnvironment env) {
        return new DeployRequest(type, moduleName, bytes, installedModule, limits, hostNamespaces, env);
    }
}
