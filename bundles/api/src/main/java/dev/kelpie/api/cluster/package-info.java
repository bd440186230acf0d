/**
 * The cluster: the members Kelpie runs on, where each actor lives ({@link dev.kelpie.api.cluster.ClusterView}),
 * and the seam through which the actor runtime sends a message to the member that owns its actor
 * ({@link dev.kelpie.api.cluster.ActorRouter}), and how the member owning an actor learns that a type it has not
 * deployed is still being rolled out to it ({@link dev.kelpie.api.cluster.TypeRollout}). Without a cluster
 * neither service is registered and Kelpie runs single-node.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.kelpie.api.cluster;
