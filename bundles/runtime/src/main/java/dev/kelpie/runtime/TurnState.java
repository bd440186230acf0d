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
import java.util.concurrent.CompletableFuture;

/**
 * An actor's state during one turn: reads go through the turn's own writes to the store; writes are
 * buffered and committed with one {@link StateStore#commit} when the turn succeeds, carrying the
 * activation's epoch (see {@link StateStore#open}). The bytes buffered
 * (keys and values) are capped per turn: a write past the cap is refused, and the turn can then no
 * longer commit (it fails with RESOURCE_EXHAUSTED, rolled back, whatever the actor answers).
 */
final class TurnState implements ActorState {
    private final ActorId actor;
    private final String operation;
    private final StateStore store;
    /** The activation's epoch from {@link StateStore#open}; 0 for a store that does not fence. */
    private final long epoch;
    private final int maxValueBytes;
    private final long maxTurnWriteBytes;
    /** Buffered writes; a null value is a delete. */
    private Map<String, byte[]> writes;
    /** Keys and values buffered in {@link #writes}, in bytes. */
    private long bufferedBytes;
    private ResourceExhausted overLimit;

    TurnState(ActorId actor, String operation, StateStore store, long epoch, int maxValueBytes, long maxTurnWriteBytes) {
        this.actor = actor;
        this.operation = operation;
        this.store = store;
        this.epoch = epoch;
        this.maxValueBytes = maxValueBytes;
        this.maxTurnWriteBytes = maxTurnWriteBytes;
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
        buffer(key, value.clone());
    }

    @Override
    public boolean delete(String key) {
        boolean existed = get(key).isPresent();
        buffer(key, null);
        return existed;
    }

    /** Buffers one write after checking the turn's write cap (checked before anything is kept). */
    private void buffer(String key, byte[] value) {
        long keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        long size = keyBytes + (value == null ? 0 : value.length);
        long previous = 0;
        if (writes != null && writes.containsKey(key)) {
            byte[] old = writes.get(key);
            previous = keyBytes + (old == null ? 0 : old.length);
        }
        long total = bufferedBytes - previous + size;
        if (total > maxTurnWriteBytes) {
            overLimit = new ResourceExhausted(actor, operation, "the turn's state writes would reach " + total
                    + " bytes (keys and values), over the limit of " + maxTurnWriteBytes
                    + " bytes per turn (max_turn_write_bytes); the turn is rolled back");
            throw overLimit;
        }
        writes().put(key, value);
        bufferedBytes = total;
    }

    /** The refusal of a write past the turn's cap, or null: such a turn must not commit. */
    ResourceExhausted overLimit() {
        return overLimit;
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

    /**
     * Hands the turn's writes to the store's (group) commit; null when the turn wrote nothing. The writes
     * are visible to the actor's next turn when this returns, and durable when the future completes.
     */
    CompletableFuture<Void> commitAsync() {
        if (overLimit != null) {
            throw overLimit;
        }
        if (!hasWrites()) {
            return null;
        }
        return epoch == 0 ? store.commitAsync(actor, writes) : store.commitAsync(actor, epoch, writes);
    }

    /**
     * Commits the turn's writes and waits for them (atomically and durably, by the store's contract). With
     * an epoch (a fencing store) it waits for {@link #commitAsync} at most {@code maxWaitNanos} more than the
     * store's own bound.
     */
    void commit(long maxWaitNanos) {
        if (overLimit != null) {
            throw overLimit;
        }
        if (!hasWrites()) {
            return;
        }
        if (epoch == 0) {
            store.commit(actor, writes);
            return;
        }
        CompletableFuture<Void> done = store.commitAsync(actor, epoch, writes);
        boolean interrupted = false;
        long deadline = System.nanoTime() + maxWaitNanos;
        try {
            while (true) {
                try {
                    done.get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RuntimeException r ? r : new IllegalStateException(String.valueOf(cause), cause);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new dev.kelpie.api.state.StateUnavailableException("the state commit of actor " + actor
                            + " (epoch " + epoch + ") did not finish within " + java.util.concurrent.TimeUnit.NANOSECONDS
                            .toMillis(maxWaitNanos) + " ms; whether it was applied is unknown", e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
