package dev.kelpie.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The StateStore contract, run against every store by a subclass. */
abstract class StateStoreContractTest {
    static final ActorId A = ActorId.of("t", "a");
    static final ActorId AB = ActorId.of("t", "ab");
    static final ActorId TA = ActorId.of("ta", "x");

    StateStore store;

    /** A new, empty store. */
    abstract StateStore newStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store instanceof AutoCloseable c) {
            c.close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] v) {
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    static Map<String, byte[]> changes(Object... keyValues) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1] == null ? null : b((String) keyValues[i + 1]));
        }
        return m;
    }

    @Test
    void putGetOverwriteDelete() {
        assertThat(store.get(A, "x")).isNull();
        store.commit(A, changes("x", "1", "y", "2"));
        assertThat(s(store.get(A, "x"))).isEqualTo("1");
        assertThat(s(store.get(A, "y"))).isEqualTo("2");

        store.commit(A, changes("x", "one"));
        assertThat(s(store.get(A, "x"))).isEqualTo("one");

        store.commit(A, changes("x", null, "never-there", null));
        assertThat(store.get(A, "x")).isNull();
        assertThat(store.get(A, "never-there")).isNull();
        assertThat(store.keys(A, "")).containsExactly("y");
    }

    @Test
    void emptyValueIsAValueNotADelete() {
        store.commit(A, Map.of("e", new byte[0]));
        assertThat(store.get(A, "e")).isEmpty();
        assertThat(store.keys(A, "")).containsExactly("e");
    }

    @Test
    void emptyCommitChangesNothing() {
        store.commit(A, changes("x", "1"));
        store.commit(A, Map.of());
        assertThat(s(store.get(A, "x"))).isEqualTo("1");
    }

    @Test
    void keysArePrefixFilteredAndAscending() {
        store.commit(A, changes("user/2", "b", "user/10", "c", "user/1", "a", "order/1", "o", "user", "u", "users", "s"));
        assertThat(store.keys(A, "")).containsExactly("order/1", "user", "user/1", "user/10", "user/2", "users");
        assertThat(store.keys(A, null)).containsExactly("order/1", "user", "user/1", "user/10", "user/2", "users");
        assertThat(store.keys(A, "user/")).containsExactly("user/1", "user/10", "user/2");
        assertThat(store.keys(A, "user")).containsExactly("user", "user/1", "user/10", "user/2", "users");
        assertThat(store.keys(A, "user/1")).containsExactly("user/1", "user/10");
        assertThat(store.keys(A, "zzz")).isEmpty();
        assertThat(store.keys(A, "a")).isEmpty();
    }

    @Test
    void keysWithNonAsciiCharactersAndTheirOrder() {
        store.commit(A, changes("é", "1", "z", "2", "😀", "3", "a b\t\r", "4"));
        assertThat(s(store.get(A, "😀"))).isEqualTo("3");
        assertThat(store.keys(A, "")).containsExactly("a b\t\r", "z", "é", "😀");
        assertThat(store.keys(A, "é")).containsExactly("é");
    }

    @Test
    void actorsAreIsolatedAlsoWhenOneIdIsAPrefixOfAnother() {
        store.commit(A, changes("k", "a", "k2", "a2"));
        store.commit(AB, changes("k", "ab"));
        store.commit(TA, changes("k", "ta"));
        ActorId other = ActorId.of("u", "a");
        store.commit(other, changes("k", "ua"));

        assertThat(s(store.get(A, "k"))).isEqualTo("a");
        assertThat(s(store.get(AB, "k"))).isEqualTo("ab");
        assertThat(s(store.get(TA, "k"))).isEqualTo("ta");
        assertThat(s(store.get(other, "k"))).isEqualTo("ua");
        assertThat(store.get(AB, "k2")).isNull();

        assertThat(store.keys(A, "")).containsExactly("k", "k2");
        assertThat(store.keys(AB, "")).containsExactly("k");
        assertThat(store.keys(A, "k")).containsExactly("k", "k2");
        assertThat(store.keys(ActorId.of("t", "b"), "")).isEmpty();
        // 't:a' key 'b...' must never be confused with actor 't:ab'
        assertThat(store.keys(A, "b")).isEmpty();

        store.commit(A, changes("k", null));
        assertThat(s(store.get(AB, "k"))).isEqualTo("ab");
    }

    @Test
    void aCommitWithOneInvalidKeyAppliesNothing() {
        store.commit(A, changes("x", "old"));
        Map<String, byte[]> bad = changes("x", "new", "y", "new", "bad\nkey", "v", "z", "new");
        assertThatThrownBy(() -> store.commit(A, bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t:a")
                .hasMessageContaining("newline");
        assertThat(s(store.get(A, "x"))).isEqualTo("old");
        assertThat(store.get(A, "y")).isNull();
        assertThat(store.get(A, "z")).isNull();
        assertThat(store.keys(A, "")).containsExactly("x");

        Map<String, byte[]> withNullKey = new HashMap<>();
        withNullKey.put("y", b("1"));
        withNullKey.put(null, b("2"));
        assertThatThrownBy(() -> store.commit(A, withNullKey))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null state key").hasMessageContaining("t:a");
        assertThat(store.get(A, "y")).isNull();
    }

    @Test
    void keyRules() {
        String max = "k".repeat(1024);
        String maxMultiByte = "é".repeat(512); // 1024 bytes
        store.commit(A, Map.of(max, b("1"), maxMultiByte, b("2")));
        assertThat(s(store.get(A, max))).isEqualTo("1");
        assertThat(s(store.get(A, maxMultiByte))).isEqualTo("2");

        assertThatThrownBy(() -> store.commit(A, Map.of("k".repeat(1025), b("1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t:a").hasMessageContaining("1025 bytes").hasMessageContaining("1024");
        assertThatThrownBy(() -> store.commit(A, Map.of("é".repeat(512) + "x", b("1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1025 bytes");
        assertThatThrownBy(() -> store.commit(A, Map.of("", b("1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty state key").hasMessageContaining("t:a");
        assertThatThrownBy(() -> store.commit(A, Map.of("a\u0000b", b("1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL").hasMessageContaining("'a\\u0000b'");
        assertThatThrownBy(() -> store.commit(A, Map.of("a\nb", b("1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newline").hasMessageContaining("'a\\u000ab'");
        assertThatThrownBy(() -> store.commit(A, Map.of("a\ud800b", b("1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
        assertThat(store.keys(A, "")).containsExactlyInAnyOrder(max, maxMultiByte);
    }

    @Test
    void badInputsToReads() {
        assertThatThrownBy(() -> store.get(null, "k")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no actor");
        assertThatThrownBy(() -> store.get(A, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t:a");
        assertThatThrownBy(() -> store.get(A, "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> store.get(A, "a\u0000")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> store.keys(null, "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no actor");
        assertThatThrownBy(() -> store.keys(A, "\u0000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix").hasMessageContaining("t:a");
        assertThatThrownBy(() -> store.keys(A, "x\n")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newline");
    }

    @Test
    void badInputsToCommit() {
        assertThatThrownBy(() -> store.commit(null, changes("k", "v")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no actor");
        assertThatThrownBy(() -> store.commit(A, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no changes").hasMessageContaining("t:a");
    }

    @Test
    void storedValuesAreCopies() {
        byte[] v = b("abc");
        Map<String, byte[]> m = new HashMap<>(Map.of("k", v));
        store.commit(A, m);
        v[0] = 'X';
        m.put("k", b("changed"));
        byte[] read = store.get(A, "k");
        assertThat(s(read)).isEqualTo("abc");
        read[0] = 'Y';
        assertThat(s(store.get(A, "k"))).isEqualTo("abc");
    }

    @Test
    void describeNamesTheStore() {
        assertThat(store.describe()).isNotBlank();
    }

    @Test
    void concurrentCommitsOfManyActorsAllLand() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                ActorId actor = ActorId.of("c", "a" + t);
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        store.commit(actor, changes("n", String.valueOf(i), "k" + i, String.valueOf(i)));
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int t = 0; t < 8; t++) {
            ActorId actor = ActorId.of("c", "a" + t);
            assertThat(s(store.get(actor, "n"))).isEqualTo("49");
            assertThat(store.keys(actor, "k")).hasSize(50);
        }
    }
}
