/**
 * Host functions: the services guests reach through waPC {@code __host_call}, registered as a whiteboard
 * keyed by binding, namespace and operation.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.kelpie.api.host;
