/**
 * What the clustered state store sends between Hazelcast members: the per-actor {@link
 * dev.kelpie.cluster.state.wire.StateRecord} and the entry processors that open, commit and restore it on
 * the partition owner. Not an API: exported only so that the member's class loader can load these classes
 * when it deserializes them (see the bundle's bnd.bnd).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.kelpie.cluster.state.wire;
