package dev.kelpie.api.cluster;

import dev.kelpie.api.actor.ActorId;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster as this member sees it now. An actor lives on the member that owns the partition of its id's
 * text form ({@link ActorId#toString()}, {@code type:id}); the same partition holds all of the actor's
 * cluster data.
 */
@ProviderType
public interface ClusterView {
    /** The cluster's name (members of different names never join). */
    String name();

    /** This member. */
    ClusterMember localMember();

    /** The members now, oldest first. */
    List<ClusterMember> members();

    /**
     * The member that owns the actor's partition: its home. Empty while the partition has no owner (the
     * cluster is starting, or a member left and its partitions are not reassigned yet).
     */
    Optional<ClusterMember> ownerOf(ActorId id);

    /** Whether the actor's home is this member (false while its partition has no owner). */
    default boolean isLocal(ActorId id) {
        return ownerOf(id).map(ClusterMember::local).orElse(false);
    }
}
