package dev.kelpie.api.host;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A function guests call through waPC {@code __host_call(binding, namespace, operation, payload)}.
 *
 * <p>In OSGi, register it as a service with the properties {@link #BINDING}, {@link #NAMESPACE} and
 * {@link #OPERATION} ({@link #ANY_OPERATION} serves every operation of the namespace). In plain Java,
 * hand it to the embedding builder with its key.
 *
 * <p>A returned array is the host response the guest reads; a thrown exception makes {@code __host_call}
 * return 0 with the exception's message as host error. The host stays healthy either way.
 */
@ConsumerType
@FunctionalInterface
public interface HostFunction {
    /** Service property: the waPC binding (String). Defaults to {@value #DEFAULT_BINDING} when absent. */
    String BINDING = "kelpie.host.binding";
    /** Service property: the namespace (String), required. */
    String NAMESPACE = "kelpie.host.namespace";
    /** Service property: the operation (String), or {@value #ANY_OPERATION} for all of the namespace. */
    String OPERATION = "kelpie.host.operation";
    /** The binding used when a service names none. */
    String DEFAULT_BINDING = "kelpie";
    /** Operation wildcard. */
    String ANY_OPERATION = "*";

    /**
     * Handles one call. Runs on the guest's thread, inside the guest's call: keep it short or hand work
     * off.
     *
     * @return the response bytes (null is taken as empty)
     * @throws Exception any failure; its message becomes the guest's host error
     */
    byte[] call(HostCall call) throws Exception;
}
