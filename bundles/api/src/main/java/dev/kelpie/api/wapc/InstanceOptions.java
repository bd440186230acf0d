package dev.kelpie.api.wapc;

import dev.kelpie.api.wasm.GuestEnvironment;
import java.time.Duration;
import java.util.Set;

/**
 * How to create one instance.
 *
 * @param label who the instance serves (an actor's id, or a caller's name): shown in logs and errors
 * @param maxMemoryPages cap on memory 0 in 64 KiB pages ({@code memory.grow} fails past it), or -1 for
 *     the host's default
 * @param callerContext passed to host functions as {@link dev.kelpie.api.host.HostCall#callerContext()}
 * @param hostNamespaces the host namespaces the guest may call, or null for all; a call to another
 *     namespace fails with a host error naming it
 * @param memoryBudget a budget shared with other instances that this one's memory is drawn from, or
 *     null for none (only the per-instance cap applies)
 * @param maxPayloadBytes cap on any one buffer the guest hands the host (response, error, host-call
 *     payload, log line), checked before the host copies it, or -1 for the host's default
 * @param callTimeout how long initialisation and each call may run before the host interrupts the
 *     guest (reported as an interruption, and the instance is closed), or null for no deadline
 * @param guestEnvironment what a WASI guest is given (arguments, environment variables, a directory given
 *     as an absolute host path); {@link GuestEnvironment#NONE} when null
 */
public record InstanceOptions(String label, int maxMemoryPages, Object callerContext, Set<String> hostNamespaces,
        MemoryBudget memoryBudget, int maxPayloadBytes, Duration callTimeout, GuestEnvironment guestEnvironment) {
    public InstanceOptions {
        guestEnvironment = guestEnvironment == null ? GuestEnvironment.NONE : guestEnvironment;
        hostNamespaces = hostNamespaces == null ? null : Set.copyOf(hostNamespaces);
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("an instance needs a label");
        }
        if (maxMemoryPages < -1 || maxMemoryPages > 65536) {
            throw new IllegalArgumentException("maxMemoryPages must be -1 or 0..65536, was " + maxMemoryPages);
        }
        if (maxPayloadBytes < -1) {
            throw new IllegalArgumentException("maxPayloadBytes must be -1 or positive, was " + maxPayloadBytes);
        }
        if (callTimeout != null && (callTimeout.isNegative() || callTimeout.isZero())) {
            throw new IllegalArgumentException("callTimeout must be positive, was " + callTimeout);
        }
    }

    /** The same options without a guest environment (as before it existed). */
    public InstanceOptions(String label, int maxMemoryPages, Object callerContext, Set<String> hostNamespaces,
            MemoryBudget memoryBudget, int maxPayloadBytes, Duration callTimeout) {
        this(label, maxMemoryPages, callerContext, hostNamespaces, memoryBudget, maxPayloadBytes, callTimeout, null);
    }

    /** The same options without a budget or deadline (as before they existed). */
    public InstanceOptions(String label, int maxMemoryPages, Object callerContext, Set<String> hostNamespaces) {
        this(label, maxMemoryPages, callerContext, hostNamespaces, null, -1, null, null);
    }

    public static InstanceOptions labelled(String label) {
        return new InstanceOptions(label, -1, null, null, null, -1, null, null);
    }

    public InstanceOptions withMaxMemoryPages(int pages) {
        return new InstanceOptions(label, pages, callerContext, hostNamespaces, memoryBudget, maxPayloadBytes, callTimeout,
                guestEnvironment);
    }

    public InstanceOptions withMaxMemoryBytes(long bytes) {
        return withMaxMemoryPages((int) Math.min(65536, bytes / 65536));
    }

    public InstanceOptions withCallerContext(Object context) {
        return new InstanceOptions(label, maxMemoryPages, context, hostNamespaces, memoryBudget, maxPayloadBytes, callTimeout,
                guestEnvironment);
    }

    /** Restricts the host namespaces the guest may call (null: all). */
    public InstanceOptions withHostNamespaces(Set<String> namespaces) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, namespaces, memoryBudget, maxPayloadBytes, callTimeout,
                guestEnvironment);
    }

    /** Draws this instance's memory from a shared budget (null: none). */
    public InstanceOptions withMemoryBudget(MemoryBudget budget) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, hostNamespaces, budget, maxPayloadBytes, callTimeout,
                guestEnvironment);
    }

    /** Caps each buffer the guest hands the host (-1: the host's default). */
    public InstanceOptions withMaxPayloadBytes(int bytes) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, hostNamespaces, memoryBudget, bytes, callTimeout,
                guestEnvironment);
    }

    /** Interrupts initialisation and each call that runs longer than this (null: no deadline). */
    public InstanceOptions withCallTimeout(Duration timeout) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, hostNamespaces, memoryBudget, maxPayloadBytes, timeout,
                guestEnvironment);
    }

    /** What a WASI guest is given (null: nothing); a directory must be an absolute host path. */
    public InstanceOptions withGuestEnvironment(GuestEnvironment environment) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, hostNamespaces, memoryBudget, maxPayloadBytes,
                callTimeout, environment);
    }
}
