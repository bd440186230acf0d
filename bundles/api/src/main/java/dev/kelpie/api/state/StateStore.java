package dev.kelpie.api.state;

import dev.kelpie.api.actor.ActorId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Durable per-actor key-value state. The runtime reads through it during turns and commits each
 * successful turn's writes with one {@link #commitAsync} call (or {@link #commit}, which waits for it).
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

    /** A short description for listings: the kind of store and where it keeps its data. */
    String describe();
}
