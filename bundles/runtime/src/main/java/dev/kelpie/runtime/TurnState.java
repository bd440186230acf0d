package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An actor's state during one turn: reads go through the turn's own writes to the store; writes are
 * buffered and committed with one {@link StateStore#commit} when the turn succeeds.
 */
final class TurnState implements ActorState {
    private final ActorId actor;
    private final StateStore store;
    private final int maxValueBytes;
    /** Buffered writes; a null value is a delete. */
    private Map<String, byte[]> writes;

    TurnState(ActorId actor, StateStore store, int maxValueBytes) {
        this.actor = actor;
        this.store = store;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public Optional<byte[]> get(String key) {
        checkKey(key);
        if (writes != null && writes.containsKey(key)) {
            byte[] v = writes.get(key);
            return v == null ? Optional.empty() : Optional.of(v.clone());
        }
        return Optional.ofNullable(store.get(actor, key));
    }

    @Override
    public void put(String key, byte[] value) {
        checkKey(key);
        if (value == null) {
            throw new IllegalArgumentException("state value for key '" + key + "' of actor " + actor + " is null (use delete)");
        }
        if (value.length > maxValueBytes) {
            throw new IllegalArgumentException("state value for key '" + key + "' of actor " + actor + " is "
                    + value.length + " bytes, over the limit of " + maxValueBytes + " bytes");
        }
        writes().put(key, value.clone());
    }

    @Override
    public boolean delete(String key) {
        boolean existed = get(key).isPresent();
        writes().put(key, null);
        return existed;
    }

    @Override
    public List<String> keys(String prefix) {
        String p = prefix == null ? "" : prefix;
        TreeSet<String> keys = new TreeSet<>(store.keys(actor, p));
        if (writes != null) {
            for (Map.Entry<String, byte[]> w : writes.entrySet()) {
                if (w.getKey().startsWith(p)) {
                    if (w.getValue() == null) {
                        keys.remove(w.getKey());
                    } else {
                        keys.add(w.getKey());
                    }
                }
            }
        }
        return new ArrayList<>(keys);
    }

    boolean hasWrites() {
        return writes != null && !writes.isEmpty();
    }

    /** Commits the turn's writes (atomically and durably, by the store's contract). */
    void commit() {
        if (hasWrites()) {
            store.commit(actor, writes);
        }
    }

    private Map<String, byte[]> writes() {
        if (writes == null) {
            writes = new LinkedHashMap<>();
        }
        return writes;
    }

    private void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("state key of actor " + actor + " must not be empty");
        }
        if (key.indexOf('\n') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("state key '" + key.replace("\n", "\\n").replace("\0", "\\0")
                    + "' of actor " + actor + " contains a newline or NUL");
        }
        if (key.length() > MAX_KEY_BYTES || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("state key of actor " + actor + " is over " + MAX_KEY_BYTES + " bytes");
        }
    }
}
