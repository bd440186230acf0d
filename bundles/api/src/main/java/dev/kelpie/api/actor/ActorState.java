package dev.kelpie.api.actor;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An actor's key-value state inside one turn. Reads see the turn's own writes. Writes are committed
 * atomically and durably when the turn succeeds and dropped when it fails, traps or times out.
 *
 * <p>Keys are 1 to 1024 bytes of UTF-8 without NUL or newline; values at most the actor type's payload
 * limit.
 */
@ProviderType
public interface ActorState {
    int MAX_KEY_BYTES = 1024;

    Optional<byte[]> get(String key);

    void put(String key, byte[] value);

    /** @return whether the key had a value */
    boolean delete(String key);

    /** Keys starting with the prefix (empty for all), in ascending order. */
    List<String> keys(String prefix);
}
