package dev.kelpie.cluster.state.wire;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The local persistent copy of each Hazelcast member in this JVM, by instance name: where the entry
 * processors running on a member write the records they install (a JVM may run several members, as the
 * tests do). A member without one writes no local copy.
 */
public final class LocalCopies {
    /** Writes a record to the member's local persistent store, durably, or throws naming the cause. */
    public interface LocalCopy {
        void write(String key, StateRecord record);
    }

    private static final ConcurrentHashMap<String, LocalCopy> BY_INSTANCE = new ConcurrentHashMap<>();

    private LocalCopies() {}

    public static void register(String instanceName, LocalCopy copy) {
        BY_INSTANCE.put(instanceName, copy);
    }

    public static void unregister(String instanceName, LocalCopy copy) {
        BY_INSTANCE.remove(instanceName, copy);
    }

    static LocalCopy of(String instanceName) {
        return instanceName == null ? null : BY_INSTANCE.get(instanceName);
    }
}
