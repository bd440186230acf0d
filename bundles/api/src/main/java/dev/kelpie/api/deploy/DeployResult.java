package dev.kelpie.api.deploy;

import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleDescriptor;

/**
 * What a deployment did.
 *
 * @param type the actor type as deployed now, with its resolved limits and host namespaces
 * @param module the module running it
 * @param moduleAdded whether this call added the module to the registry (false: the same bytes were
 *     installed already, a cache hit, or the request named an installed module)
 * @param replaced the type this deployment replaced (a hot swap), or null for a new type
 * @param replacedModuleRemoved whether the replaced type's module left the registry because no deployed
 *     type runs it any more
 */
public record DeployResult(ActorType type, ModuleDescriptor module, boolean moduleAdded, ActorType replaced,
        boolean replacedModuleRemoved) {

    /** Whether an existing type was replaced (a hot swap). */
    public boolean isHotSwap() {
        return replaced != null;
    }
}
