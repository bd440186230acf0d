package dev.kelpie.api.state;

import dev.kelpie.api.actor.ActorId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Durable per-actor key-value state. The runtime reads through it during turns and commits each
 * successful turn's writes with one {@link #commitAsync} call (or {@link #commit}, which waits for it).
 *
 * <h2>Epochs (fencing)</h2>
 * A store shared by several runtimes (a cluster) must keep an actor's state from being written by two
 * activations at once. The runtime calls {@link #open} once per activation, before its first turn, and
 * gets that activation's epoch; it passes the epoch with every commit
 * ({@link #commitAsync(ActorId, long, Map)}), and calls {@link #close} after the activation passivated.
 * Such a store refuses a commit from an older epoch than its newest with {@link StaleEpochException}. A
 * single-process store keeps the defaults: epoch 0, commits as without an epoch, nothing to close.
 */
@ConsumerType
public interface StateStore {
    /** Service property naming the store, such as {@code mvstore} or {@code memory}. */
    String NAME = "kelpie.store.name";

    /** The stored value, or null. */
    byte[] get(ActorId actor, String key);

    /** Keys of the actor that start with the prefix, ascending. */
    List<String> keys(ActorId actor, String prefix);

    /**
     * Applies one turn's changes atomically and durably: when this returns, all of them survive a crash
     * of the process; when it throws, none of them were applied.
     *
     * @param changes key to new value, or to null for a delete
     */
    void commit(ActorId actor, Map<String, byte[]> changes);

    /**
     * Applies one turn's changes atomically; they are visible at once to reads of the actor, and durable
     * (as by {@link #commit}) when the returned future completes normally. A store may write the changes
     * of many turns, of one or many actors, together (group commit): the futures of an actor's commits
     * complete in the order they were made. When the future completes exceptionally, with an exception
     * naming the store and the cause, the changes were not acknowledged; a later commit of the same
     * actor whose changes may have been built on them fails too. A store completes every future it
     * returns within a bound of its own, also when a write hangs or the store closes.
     *
     * <p>The default commits synchronously with {@link #commit}. Callers must not complete the future.
     *
     * @param changes key to new value, or to null for a delete
     * @return completes when the changes are durable, or fails when they were not made durable
     */
    default CompletableFuture<Void> commitAsync(ActorId actor, Map<String, byte[]> changes) {
        try {
            commit(actor, changes);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Opens the actor's state for a new activation, before its first turn, and returns the activation's
     * epoch (fence token): later than every epoch handed out for the actor before, so commits of older
     * activations are refused from now on. May block on the network, within a bound of the store's own;
     * the runtime calls it on the activation's thread, never under a framework lock. The default (a
     * single-process store): 0, no fencing.
     *
     * @throws StateUnavailableException when the store could not be reached in time
     * @throws RuntimeException naming the actor and the cause when the state cannot be opened
     */
    default long open(ActorId actor) {
        return 0;
    }

    /**
     * {@link #commitAsync(ActorId, Map)} by the activation of epoch {@code epoch} (from {@link #open}). A
     * store that fences completes the future exceptionally with {@link StaleEpochException} when a newer
     * activation of the actor was opened, and with {@link StateUnavailableException} when the outcome is
     * unknown (the store could not be reached in time); a commit of the same actor made after a failed one
     * fails too. The default ignores the epoch.
     *
     * @param epoch the activation's epoch, as {@link #open} returned it
     * @param changes key to new value, or to null for a delete
     */
    default CompletableFuture<Void> commitAsync(ActorId actor, long epoch, Map<String, byte[]> changes) {
        return commitAsync(actor, changes);
    }

    /**
     * The activation of epoch {@code epoch} passivated (or was discarded): the store may drop what it
     * keeps for it. Must not block. The default does nothing.
     */
    default void close(ActorId actor, long epoch) {
        // nothing kept per activation
    }

    /** A short description for listings: the kind of store and where it keeps its data. */
    String describe();
}
