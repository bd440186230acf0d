package dev.kelpie.api.cluster;

/**
 * One member of the cluster.
 *
 * @param uuid the member's id in the cluster (a new one each time the member starts)
 * @param address where it listens, {@code host:port}
 * @param local whether it is the member this view was taken on
 */
public record ClusterMember(String uuid, String address, boolean local) {
    @Override
    public String toString() {
        return address;
    }
}
