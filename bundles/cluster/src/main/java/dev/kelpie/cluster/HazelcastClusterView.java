package dev.kelpie.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.api.cluster.ClusterView;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The cluster view of one Hazelcast member: an actor's home is the owner of the partition of {@code type:id}. */
final class HazelcastClusterView implements ClusterView {
    private final HazelcastInstance hazelcast;
    private final String name;

    HazelcastClusterView(HazelcastInstance hazelcast, String name) {
        this.hazelcast = hazelcast;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ClusterMember localMember() {
        return member(hazelcast.getCluster().getLocalMember());
    }

    @Override
    public List<ClusterMember> members() {
        return hazelcast.getCluster().getMembers().stream().map(HazelcastClusterView::member).collect(Collectors.toList());
    }

    @Override
    public Optional<ClusterMember> ownerOf(ActorId id) {
        Member owner = owner(id);
        return owner == null ? Optional.empty() : Optional.of(member(owner));
    }

    @Override
    public boolean isLocal(ActorId id) {
        Member owner = owner(id);
        return owner != null && owner.localMember();
    }

    /** The member owning the actor's partition, or null while it has none. */
    Member owner(ActorId id) {
        return hazelcast.getPartitionService().getPartition(id.toString()).getOwner();
    }

    static ClusterMember member(Member m) {
        return new ClusterMember(m.getUuid().toString(), address(m), m.localMember());
    }

    /** {@code host:port} of a member. */
    static String address(Member m) {
        Address a = m.getAddress();
        return a.getHost() + ":" + a.getPort();
    }
}
