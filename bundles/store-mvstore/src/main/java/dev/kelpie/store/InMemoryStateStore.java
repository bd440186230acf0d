package dev.kelpie.store;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A state store in memory, with the semantics of {@link MvStoreStateStore} except durability: the same
 * key layout (see {@link StateKeys}), the same checks, commits applied whole under one lock. For tests,
 * embedding and actors whose state may be lost with the process. Not a DS component.
 */
public final class InMemoryStateStore implements StateStore {
    public static final String STORE_NAME = "memory";

    private final ConcurrentSkipListMap<String, byte[]> map = new ConcurrentSkipListMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    @Override
    public byte[] get(ActorId actor, String key) {
        byte[] v = map.get(StateKeys.forRead(actor, key));
        return v == null ? null : v.clone();
    }

    @Override
    public List<String> keys(ActorId actor, String prefix) {
        String from = StateKeys.forListing(actor, prefix);
        int actorPrefixLength = StateKeys.actorPrefix(actor).length();
        List<String> out = new ArrayList<>();
        for (String k : map.tailMap(from, true).keySet()) {
            if (!k.startsWith(from)) {
                break;
            }
            out.add(k.substring(actorPrefixLength));
        }
        return out;
    }

    @Override
    public void commit(ActorId actor, Map<String, byte[]> changes) {
        List<StateKeys.Change> batch = StateKeys.forCommit(actor, changes);
        if (batch.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (StateKeys.Change c : batch) {
                if (c.value() == null) {
                    map.remove(c.storageKey());
                } else {
                    map.put(c.storageKey(), c.value());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String describe() {
        return STORE_NAME + " (not durable, " + map.size() + " entries)";
    }

    @Override
    public String toString() {
        return describe();
    }
}
