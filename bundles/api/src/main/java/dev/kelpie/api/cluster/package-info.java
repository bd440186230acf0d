/**
 * The cluster: the members Kelpie runs on, where each actor lives ({@link dev.kelpie.api.cluster.ClusterView}),
 * and the seam through which the actor runtime sends a message to the member that owns its actor
 * ({@link dev.kelpie.api.cluster.ActorRouter}). Without a cluster neither service is registered and Kelpie
 * runs single-node.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.kelpie.api.cluster;
