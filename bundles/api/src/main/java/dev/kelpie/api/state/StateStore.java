package dev.kelpie.api.state;

import dev.kelpie.api.actor.ActorId;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Durable per-actor key-value state. The runtime reads through it during turns and commits each
 * successful turn's writes with one {@link #commit} call.
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

    /** A short description for listings: the kind of store and where it keeps its data. */
    String describe();
}
