package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Test-only actor context: state in a TreeMap, with the key rules of {@link ActorState}. */
final class TestActorContext implements ActorContext {
    final TreeMap<String, byte[]> data = new TreeMap<>();
    private final ActorId self;

    TestActorContext(ActorId self) {
        this.self = self;
    }

    @Override
    public ActorId self() {
        return self;
    }

    @Override
    public ActorState state() {
        return new ActorState() {
            @Override
            public Optional<byte[]> get(String key) {
                check(key);
                byte[] v = data.get(key);
                return v == null ? Optional.empty() : Optional.of(v.clone());
            }

            @Override
            public void put(String key, byte[] value) {
                check(key);
                data.put(key, value.clone());
            }

            @Override
            public boolean delete(String key) {
                check(key);
                return data.remove(key) != null;
            }

            @Override
            public List<String> keys(String prefix) {
                List<String> keys = new ArrayList<>();
                for (String k : data.tailMap(prefix, true).keySet()) {
                    if (!k.startsWith(prefix)) {
                        break;
                    }
                    keys.add(k);
                }
                return keys;
            }
        };
    }

    static void check(String key) {
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > ActorState.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("state key must be 1 to 1024 bytes, was " + bytes);
        }
        if (key.indexOf('\n') >= 0 || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("state key must not contain NUL or newline");
        }
    }

    @Override
    public byte[] call(ActorId target, String operation, byte[] payload) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String operation() {
        return "test";
    }
}
