package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.state.StaleEpochException;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime's side of fencing: it opens the store per activation, commits with the epoch, closes at
 * passivation, and a commit refused as stale fails the reply with UNAVAILABLE and discards the activation
 * (the next message activates it anew, with a newer epoch). The store here is the in-memory one with a
 * minimal epoch check, standing in for a clustered store.
 */
@Timeout(60)
class FencingTest {

    /** The in-memory store plus epochs: open increments, a commit with an older epoch is refused. */
    static final class FencingStore implements StateStore {
        final InMemoryStateStore inner = new InMemoryStateStore();
        final ConcurrentHashMap<ActorId, AtomicLong> epochs = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public long open(ActorId actor) {
            long e = epochs.computeIfAbsent(actor, a -> new AtomicLong()).incrementAndGet();
            calls.add("open " + actor + " " + e);
            return e;
        }

        @Override
        public synchronized CompletableFuture<Void> commitAsync(ActorId actor, long epoch, Map<String, byte[]> changes) {
            long current = epochs.get(actor).get();
            calls.add("commit " + actor + " " + epoch);
            if (epoch < current) {
                return CompletableFuture.failedFuture(new StaleEpochException(actor, epoch, current, "member-B"));
            }
            return inner.commitAsync(actor, changes);
        }

        @Override
        public void close(ActorId actor, long epoch) {
            calls.add("close " + actor + " " + epoch);
        }

        @Override
        public byte[] get(ActorId actor, String key) {
            return inner.get(actor, key);
        }

        @Override
        public List<String> keys(ActorId actor, String prefix) {
            return inner.keys(actor, prefix);
        }

        @Override
        public void commit(ActorId actor, Map<String, byte[]> changes) {
            throw new AssertionError("a fencing store's commits carry the epoch");
        }

        @Override
        public String describe() {
            return "fencing test store";
        }
    }

    @Test
    void aStaleCommitFailsWithUnavailableAndTheNextMessageActivatesANewerEpoch() {
        FencingStore store = new FencingStore();
        try (RuntimeFixture f = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)))) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            ActorId id = new ActorId("counter", "fenced");
            ActorRef counter = f.runtime.ref(id);
            assertThat(new String(counter.call("increment", new byte[0]), UTF_8)).isEqualTo("1");
            assertThat(store.calls).contains("open counter:fenced 1", "commit counter:fenced 1");

            byte[] before = store.inner.get(id, "count");
            assertThat(before).isNotNull();
            // a newer activation elsewhere (another member) opens the actor: this one is fenced off
            assertThat(store.open(id)).isEqualTo(2);
            assertThatThrownBy(() -> counter.call("increment", new byte[0]))
                    .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                        assertThat(e.detail()).contains("fenced off by a newer activation on member-B (epoch 1 < 2)");
                    });
            assertThat(store.inner.get(id, "count")).as("the refused turn committed nothing").isEqualTo(before);

            // the fenced activation is discarded (closed, no on-deactivate commit); the next message opens epoch 3
            assertThat(new String(counter.call("increment", new byte[0]), UTF_8)).isEqualTo("2");
            assertThat(store.calls).containsSubsequence("close counter:fenced 1", "open counter:fenced 3",
                    "commit counter:fenced 3");
            int refused = store.calls.indexOf("open counter:fenced 2") + 1;
            assertThat(store.calls.subList(refused, store.calls.size()))
                    .as("after its refused commit, the fenced activation tried no other: %s", store.calls)
                    .containsOnlyOnce("commit counter:fenced 1");
        }
    }

    @Test
    void passivationClosesTheEpochItOpened() throws Exception {
        FencingStore store = new FencingStore();
        try (RuntimeFixture f = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)))) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            ActorId id = new ActorId("counter", "closed");
            f.runtime.ref(id).call("increment", new byte[0]);
            assertThat(f.runtime.deactivate(id).toCompletableFuture().get()).isTrue();
            assertThat(store.calls).containsSubsequence("open counter:closed 1", "close counter:closed 1");
        }
    }
}
