package dev.kelpie.api.cluster;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster's module rollout as the member that owns an actor sees it: whether an actor type this member has
 * not deployed is one the cluster knows and this member is still applying (a member that just joined owns
 * partitions a few seconds before it has deployed the cluster's types). The cluster's router then lets a
 * message for that type wait, within its caller's bound, instead of failing it with {@code unknown_type}.
 *
 * <p>The rollout puts itself into its Hazelcast member's user context under {@link #USER_CONTEXT_KEY} (the
 * member's own context, the same in OSGi and in a plain Java program; no service dependency between the
 * cluster bundles), and removes itself when it stops.
 */
@ProviderType
public interface TypeRollout {
    /** The key of the rollout in its Hazelcast member's user context. */
    String USER_CONTEXT_KEY = "kelpie.cluster.type-rollout";

    /** Where an actor type this member has not deployed stands in the cluster. */
    enum Status {
        /** The cluster's module map does not hold it either (never deployed, or removed): unknown everywhere. */
        UNKNOWN,
        /** The cluster holds it and this member is applying it, or about to: it is deployed here shortly. */
        APPLYING,
        /** The cluster holds it, but this member failed to apply it (its log says why): it will not be here. */
        FAILED
    }

    /**
     * Where {@code type} stands; asked on the member that owns an actor of a type it has not deployed.
     * Answers from this member's knowledge and at most one look-up in the cluster's module map.
     */
    Status status(String type);
}
