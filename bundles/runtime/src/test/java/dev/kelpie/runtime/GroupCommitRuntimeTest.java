package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.CommitHold;
import dev.kelpie.store.MvStoreStateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit through the runtime, on the real MVStore with its committer held by a test hook: a reply
 * is completed only after the commit holding its turn, in turn order, and a failed commit fails exactly
 * the replies that depend on it.
 */
@Timeout(60)
class GroupCommitRuntimeTest {
    @TempDir
    Path dir;
    MvStoreStateStore store;
    RuntimeFixture fixture;
    CommitHold hold;

    /** "inc" reads n, writes n+1 and answers it; "get" answers n (reads only). */
    static ActorType counter() {
        return ActorType.nativeType("c", () -> (ctx, op, payload) -> {
            long n = ctx.state().get("n").map(b -> Long.parseLong(new String(b, UTF_8))).orElse(0L);
            if (op.equals("inc")) {
                n++;
                ctx.state().put("n", Long.toString(n).getBytes(UTF_8));
            }
            return Long.toString(n).getBytes(UTF_8);
        });
    }

    void start() {
        store = new MvStoreStateStore(dir);
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofSeconds(2)));
        fixture.runtime.deploy(counter());
        hold = new CommitHold(store);
    }

    @AfterEach
    void tearDown() {
        if (hold != null) {
            hold.release();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (store != null) {
            try {
                store.close();
            } catch (RuntimeException ignored) {
                // closed after a failure
            }
        }
    }

    ActorRef ref(String id) {
        return fixture.runtime.ref("c", id);
    }

    CompletableFuture<byte[]> send(String id, String op) {
        return ref(id).invoke(op, new byte[0]).toCompletableFuture();
    }

    /** An increment of actor x that the committer takes and holds: what follows queues as the next group. */
    CompletableFuture<byte[]> occupyCommitter() throws Exception {
        CompletableFuture<byte[]> x = send("x", "inc");
        assertThat(hold.awaitHolding()).isTrue();
        return x;
    }

    @Test
    void aReplyWaitsForTheCommitOfItsTurnAndTurnsOfTwoActorsShareOneCommit() throws Exception {
        start();
        CompletableFuture<byte[]> x = occupyCommitter();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<byte[]> a1 = send("a", "inc");
        a1.thenRun(() -> order.add("a1"));
        CompletableFuture<byte[]> b1 = send("b", "inc");
        CompletableFuture<byte[]> a2 = send("a", "inc");
        a2.thenRun(() -> order.add("a2"));
        // a read-only turn that read a2's uncommitted n=2 is not acknowledged before a2's commit either
        CompletableFuture<byte[]> aGet = send("a", "get");
        aGet.thenRun(() -> order.add("aGet"));
        Thread.sleep(200); // the turns have run by now; their replies wait for the held committer
        assertThat(List.of(x, a1, b1, a2, aGet)).allSatisfy(f -> assertThat(f).isNotDone());

        hold.release();
        assertThat(text(aGet)).isEqualTo("2");
        assertThat(text(a1)).isEqualTo("1");
        assertThat(text(a2)).isEqualTo("2");
        assertThat(text(b1)).isEqualTo("1");
        assertThat(text(x)).isEqualTo("1");
        assertThat(order).containsExactly("a1", "a2", "aGet");
        // the second group holds the turns of a and b: one MVStore commit for both actors
        assertThat(hold.groups).hasSizeGreaterThanOrEqualTo(2);
        assertThat(hold.groups.get(1)).anyMatch(k -> k.contains("\u0000a\u0000")).anyMatch(k -> k.contains("\u0000b\u0000"));
    }

    /** Waits, bounded, until actor a's state (through the store's queued changes) reads {@code n}: its turn ran. */
    void awaitRan(String id, String n) throws InterruptedException {
        dev.kelpie.api.actor.ActorId actor = dev.kelpie.api.actor.ActorId.of("c", id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            byte[] v = store.get(actor, "n");
            if (v != null && new String(v, UTF_8).equals(n)) {
                return;
            }
            assertThat(System.nanoTime()).as("turn of " + id + " ran").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void turnsOfOneCommitCompleteTogetherInTurnOrderAndATurnOfTheNextCommitCompletesAfterThem() throws Exception {
        start();
        long commitsTimedBefore = fixture.runtime.storeCommitLatency().map(l -> l.count()).orElse(0L);
        CompletableFuture<byte[]> x = occupyCommitter();
        java.util.concurrent.CountDownLatch secondHeld = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch releaseSecond = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger later = new java.util.concurrent.atomic.AtomicInteger();
        hold.thenBeforeEachWrite(keys -> {
            if (later.incrementAndGet() == 1) { // the second group: a1, a2 and the read-only aGet
                secondHeld.countDown();
                try {
                    releaseSecond.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<byte[]> a1 = send("a", "inc");
        a1.thenRun(() -> order.add("a1"));
        CompletableFuture<byte[]> a2 = send("a", "inc");
        a2.thenRun(() -> order.add("a2"));
        CompletableFuture<byte[]> aGet = send("a", "get");
        aGet.thenRun(() -> order.add("aGet"));
        awaitRan("a", "2");
        hold.release(); // x's group is written; the committer takes the group of a1 and a2 and holds it
        assertThat(secondHeld.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(text(x)).isEqualTo("1");
        // a3 runs while the batch of a1, a2 and aGet waits: its commit is the next group, its reply a new batch
        CompletableFuture<byte[]> a3 = send("a", "inc");
        a3.thenRun(() -> order.add("a3"));
        CompletableFuture<byte[]> aGet2 = send("a", "get");
        aGet2.thenRun(() -> order.add("aGet2"));
        awaitRan("a", "3");
        Thread.sleep(50);
        assertThat(List.of(a1, a2, aGet, a3, aGet2)).allSatisfy(f -> assertThat(f).isNotDone());
        releaseSecond.countDown();
        assertThat(text(aGet2)).isEqualTo("3");
        assertThat(text(a1)).isEqualTo("1");
        assertThat(text(a2)).isEqualTo("2");
        assertThat(text(aGet)).isEqualTo("2");
        assertThat(text(a3)).isEqualTo("3");
        assertThat(order).containsExactly("a1", "a2", "aGet", "a3", "aGet2");
        assertThat(hold.groups).hasSize(3);
        // every writing turn's commit is timed once (x, a1, a2, a3), the read-only ones not
        assertThat(fixture.runtime.storeCommitLatency().map(l -> l.count()).orElse(0L) - commitsTimedBefore).isEqualTo(4);
    }

    @Test
    void aFailedCommitFailsTheRepliesOfBothActorsAndWhatReadItAndTheStateAfterARestartIsTheAcknowledgedOne()
            throws Exception {
        start();
        hold.release(); // nothing held this time
        assertThat(text(send("a", "inc"))).isEqualTo("1");
        fixture.close();
        store.close();
        start();
        CompletableFuture<byte[]> x = occupyCommitter();
        hold.thenBeforeEachWrite(keys -> {
            throw new IllegalStateException("disk on fire");
        });
        CompletableFuture<byte[]> a2 = send("a", "inc");
        CompletableFuture<byte[]> b1 = send("b", "inc");
        CompletableFuture<byte[]> aGet = send("a", "get"); // reads a2's n=2, which will not be committed
        Thread.sleep(200);
        hold.release();
        assertThat(text(x)).isEqualTo("1");
        ActorInvocationException a2Failure = failure(a2);
        assertThat(a2Failure.reason()).isEqualTo(Reason.ACTOR_ERROR);
        assertThat(a2Failure).hasMessageContaining("not committed").hasMessageContaining("disk on fire")
                .hasMessageContaining("c:a");
        assertThat(failure(b1)).hasMessageContaining("not committed").hasMessageContaining("disk on fire");
        assertThat(failure(aGet)).hasMessageContaining("earlier turn").hasMessageContaining("disk on fire");
        // the next turn is refused cleanly: nothing may build on the lost changes
        assertThat(failure(send("a", "inc"))).hasMessageContaining("disk on fire");

        fixture.close();
        store.close();
        store = new MvStoreStateStore(dir);
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        fixture.runtime.deploy(counter());
        hold = null;
        assertThat(text(send("a", "get"))).as("a's last acknowledged increment").isEqualTo("1");
        assertThat(text(send("b", "get"))).isEqualTo("0");
        assertThat(text(send("a", "inc"))).isEqualTo("2");
    }

    @Test
    void shutdownWithPendingCommitsCompletesEveryReplyAndLosesNothing() throws Exception {
        start();
        CompletableFuture<byte[]> x = occupyCommitter();
        List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            replies.add(send("s" + (i % 20), "inc"));
        }
        Thread.sleep(200);
        CompletableFuture<Void> releaseLater = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            hold.release();
        });
        fixture.close(); // passivates everyone; the replies still wait for their commits
        store.close(); // writes what is queued first
        releaseLater.get(10, TimeUnit.SECONDS);
        assertThat(text(x)).isEqualTo("1");
        for (int i = 0; i < 40; i++) {
            assertThat(text(replies.get(i))).isEqualTo(i < 20 ? "1" : "2");
        }
        store = new MvStoreStateStore(dir);
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        fixture.runtime.deploy(counter());
        hold = null;
        for (int i = 0; i < 20; i++) {
            assertThat(text(send("s" + i, "get"))).isEqualTo("2");
        }
    }

    @Test
    void aCommitThatFailedOnItsOwnDoesNotFailTheActorsLaterTurns() throws Exception {
        // a store whose commit refuses one value, nothing else (the in-memory store behind it stays sane)
        dev.kelpie.store.InMemoryStateStore memory = new dev.kelpie.store.InMemoryStateStore();
        dev.kelpie.api.state.StateStore picky = new dev.kelpie.api.state.StateStore() {
            @Override
            public byte[] get(dev.kelpie.api.actor.ActorId actor, String key) {
                return memory.get(actor, key);
            }

            @Override
            public List<String> keys(dev.kelpie.api.actor.ActorId actor, String prefix) {
                return memory.keys(actor, prefix);
            }

            @Override
            public void commit(dev.kelpie.api.actor.ActorId actor, java.util.Map<String, byte[]> changes) {
                if (changes.values().stream().anyMatch(v -> v != null && new String(v, UTF_8).equals("5"))) {
                    throw new IllegalStateException("the store refuses 5");
                }
                memory.commit(actor, changes);
            }

            @Override
            public String describe() {
                return "picky";
            }
        };
        fixture = new RuntimeFixture(picky, RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        fixture.runtime.deploy(counter());
        for (int i = 1; i <= 4; i++) {
            assertThat(text(send("p", "inc"))).isEqualTo(String.valueOf(i));
        }
        assertThat(failure(send("p", "inc"))).hasMessageContaining("the store refuses 5");
        assertThat(text(send("p", "get"))).as("a later read-only turn").isEqualTo("4");
        assertThat(failure(send("p", "inc"))).hasMessageContaining("the store refuses 5");
        assertThat(text(send("q", "inc"))).isEqualTo("1");
    }

    static String text(CompletableFuture<byte[]> f) throws Exception {
        return new String(f.get(10, TimeUnit.SECONDS), UTF_8);
    }

    static ActorInvocationException failure(CompletableFuture<byte[]> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (ActorInvocationException) e.getCause();
        }
        throw new AssertionError("the reply must fail");
    }
}
