package dev.kelpie.api.deploy;

import dev.kelpie.api.actor.ActorType;
import java.util.List;

/**
 * What an undeployment did.
 *
 * @param type the type that was removed
 * @param passivatedActors how many of its actors were active and have been passivated
 * @param moduleRemoved whether its module left the registry (a WASM type whose module no other type runs)
 * @param moduleStillUsedBy the other deployed types that run its module, which is then kept (sorted)
 */
public record UndeployResult(ActorType type, int passivatedActors, boolean moduleRemoved, List<String> moduleStillUsedBy) {
    public UndeployResult {
        moduleStillUsedBy = List.copyOf(moduleStillUsedBy);
    }
}
