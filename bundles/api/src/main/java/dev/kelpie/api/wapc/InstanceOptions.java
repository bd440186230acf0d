package dev.kelpie.api.wapc;

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
 */
public record InstanceOptions(String label, int maxMemoryPages, Object callerContext, Set<String> hostNamespaces) {
    public InstanceOptions {
        hostNamespaces = hostNamespaces == null ? null : Set.copyOf(hostNamespaces);
        if (label == null || label.isBlank()) {
            throw new IllegalArgumentException("an instance needs a label");
        }
        if (maxMemoryPages < -1 || maxMemoryPages > 65536) {
            throw new IllegalArgumentException("maxMemoryPages must be -1 or 0..65536, was " + maxMemoryPages);
        }
    }

    public static InstanceOptions labelled(String label) {
        return new InstanceOptions(label, -1, null, null);
    }

    public InstanceOptions withMaxMemoryPages(int pages) {
        return new InstanceOptions(label, pages, callerContext, hostNamespaces);
    }

    public InstanceOptions withMaxMemoryBytes(long bytes) {
        return withMaxMemoryPages((int) Math.min(65536, bytes / 65536));
    }

    public InstanceOptions withCallerContext(Object context) {
        return new InstanceOptions(label, maxMemoryPages, context, hostNamespaces);
    }

    /** Restricts the host namespaces the guest may call (null: all). */
    public InstanceOptions withHostNamespaces(Set<String> namespaces) {
        return new InstanceOptions(label, maxMemoryPages, callerContext, namespaces);
    }
}
