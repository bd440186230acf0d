package dev.kelpie.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit, with the interleavings forced by the committer's test hook: the first write is held on a
 * latch, so whatever is committed meanwhile queues up as the next group.
 */
@Timeout(30)
class GroupCommitTest {
    static final ActorId A = ActorId.of("counter", "a");
    static final ActorId B = ActorId.of("counter", "b");
    static final ActorId X = ActorId.of("counter", "x");

    @TempDir
    Path dir;
    MvStoreStateStore store;
    final CountDownLatch holding = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<List<StateKeys.Change>> written = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        release.countDown();
        if (store != null) {
            try {
                store.close();
            } catch (RuntimeException ignored) {
                // a test closed it after a failure
            }
        }
    }

    private MvStoreStateStore open(long commitTimeoutMillis) {
        store = new MvStoreStateStore(dir, MvStoreStateStore.DEFAULT_SYNC_INTERVAL_MS, commitTimeoutMillis,
                MvStoreStateStore.DEFAULT_MAX_PENDING_COMMIT_BYTES);
        return store;
    }

    /** Holds the first write until {@link #release}; records every group written. */
    private void holdFirstWrite(GroupCommitter.Hook after) {
        AtomicInteger n = new AtomicInteger();
        store.committerForTests().hookForTests = changes -> {
            written.add(List.copyOf(changes));
            if (n.incrementAndGet() == 1) {
                holding.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (after != null) {
                after.beforeWrite(changes);
            }
        };
    }

    /** Commits X and waits until the committer holds that write: later commits form the next group. */
    private CompletableFuture<Void> occupyCommitter() throws InterruptedException {
        CompletableFuture<Void> x = store.commitAsync(X, changes("n", "1"));
        assertThat(holding.await(10, TimeUnit.SECONDS)).as("the committer took the first group").isTrue();
        return x;
    }

    @Test
    void turnsOfTwoActorsShareOneMvStoreCommit() throws Exception {
        open(10_000);
        holdFirstWrite(null);
        CompletableFuture<Void> x = occupyCommitter();
        long versionBefore = store.mvStoreForTests().getCurrentVersion();
        CompletableFuture<Void> a = store.commitAsync(A, changes("n", "1"));
        CompletableFuture<Void> a2 = store.commitAsync(A, changes("n", "2", "k2", "2"));
        CompletableFuture<Void> b = store.commitAsync(B, changes("n", "7"));
        assertThat(a).isNotDone();
        assertThat(b).isNotDone();
        release.countDown();
        CompletableFuture.allOf(x, a, a2, b).get(10, TimeUnit.SECONDS);

        // the three turns of A and B were the second group, written with one MVStore commit
        assertThat(written).hasSize(2);
        assertThat(written.get(1)).extracting(StateKeys.Change::storageKey).containsExactly(
                StateKeys.storageKey(A, "n"), StateKeys.storageKey(A, "n"), StateKeys.storageKey(A, "k2"),
                StateKeys.storageKey(B, "n"));
        assertThat(store.mvStoreForTests().getCurrentVersion() - versionBefore).as("MVStore commits: X's, then the group")
                .isEqualTo(2);
        assertThat(store.committerForTests().overlayForTests()).isEmpty();
        store.close();
        store = new MvStoreStateStore(dir);
        assertThat(s(store.get(A, "n"))).isEqualTo("2");
        assertThat(s(store.get(A, "k2"))).isEqualTo("2");
        assertThat(s(store.get(B, "n"))).isEqualTo("7");
    }

    @Test
    void aCommitIsNotAcknowledgedBeforeItIsWrittenButItsChangesAreVisibleAtOnce() throws Exception {
        open(10_000);
        store.commit(A, changes("gone", "1", "kept", "1"));
        holdFirstWrite(null);
        CompletableFuture<Void> x = occupyCommitter();
        Map<String, byte[]> turn = new LinkedHashMap<>();
        turn.put("n", b("5"));
        turn.put("gone", null);
        turn.put("new", b("1"));
        CompletableFuture<Void> a = store.commitAsync(A, turn);
        Thread.sleep(50);
        assertThat(a).as("not acknowledged while its write waits").isNotDone();
        assertThat(x).isNotDone();
        // the actor's next turn reads its own queued changes
        assertThat(s(store.get(A, "n"))).isEqualTo("5");
        assertThat(store.get(A, "gone")).isNull();
        assertThat(store.keys(A, "")).containsExactly("kept", "n", "new");
        assertThat(store.keys(A, "n")).containsExactly("n", "new");
        // ...and other actors are not affected
        assertThat(store.keys(B, "")).isEmpty();
        // not in the file yet
        assertThat(store.mvMapForTests().get(StateKeys.storageKey(A, "n"))).isNull();

        release.countDown();
        a.get(10, TimeUnit.SECONDS);
        assertThat(x).isDone();
        assertThat(s(store.mvMapForTests().get(StateKeys.storageKey(A, "n")))).isEqualTo("5");
        assertThat(store.keys(A, "")).containsExactly("kept", "n", "new");
    }

    @Test
    void aFailedCommitFailsBothActorsTurnsAndWhatQueuedBehindAndClosesTheStore() throws Exception {
        open(10_000);
        store.commit(A, changes("n", "1"));
        store.commit(B, changes("n", "1"));
        CountDownLatch failing = new CountDownLatch(1);
        CountDownLatch queuedBehind = new CountDownLatch(1);
        holdFirstWrite(changes -> {
            failing.countDown();
            try {
                queuedBehind.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("disk on fire");
        });
        CompletableFuture<Void> x = occupyCommitter();
        CompletableFuture<Void> a = store.commitAsync(A, changes("n", "2"));
        CompletableFuture<Void> b = store.commitAsync(B, changes("n", "2"));
        release.countDown();
        assertThat(failing.await(10, TimeUnit.SECONDS)).isTrue();
        // A's next turn read n=2 from the failing group and queues n=3 behind it
        assertThat(s(store.get(A, "n"))).isEqualTo("2");
        CompletableFuture<Void> a3 = store.commitAsync(A, changes("n", "3"));
        queuedBehind.countDown();

        x.get(10, TimeUnit.SECONDS);
        for (CompletableFuture<Void> f : List.of(a, b)) {
            assertThat(failure(f)).hasMessageContaining("disk on fire").hasMessageContaining(A.toString())
                    .hasMessageContaining(B.toString()).hasMessageContaining(store.file().toString())
                    .hasMessageContaining("store is closed");
        }
        assertThat(failure(a3)).hasMessageContaining("earlier state commit").hasMessageContaining("disk on fire");
        // nothing is built on the lost changes: reads and commits are refused, naming the failure
        assertThatThrownBy(() -> store.get(A, "n")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("disk on fire");
        assertThat(failure(store.commitAsync(A, changes("n", "9")))).hasMessageContaining("disk on fire");
        assertThatThrownBy(() -> store.commit(B, changes("n", "9"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("disk on fire");
        store.close();
        // after a restart the state is that of the last acknowledged turns
        store = new MvStoreStateStore(dir);
        assertThat(s(store.get(A, "n"))).isEqualTo("1");
        assertThat(s(store.get(B, "n"))).isEqualTo("1");
        assertThat(s(store.get(X, "n"))).isEqualTo("1");
        store.commit(A, changes("n", "2"));
        assertThat(s(store.get(A, "n"))).isEqualTo("2");
    }

    @Test
    void aCommitThatHangsFailsItsTurnsAfterTheCommitTimeout() throws Exception {
        open(300);
        holdFirstWrite(null);
        CompletableFuture<Void> x = occupyCommitter();
        CompletableFuture<Void> a = store.commitAsync(A, changes("n", "1"));
        long start = System.nanoTime();
        assertThat(failure(a)).hasMessageContaining("commit_timeout_ms (300 ms)").hasMessageContaining(A.toString())
                .hasMessageContaining("not acknowledged");
        assertThat(failure(x)).hasMessageContaining("commit_timeout_ms");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        // once the write comes back, the store carries on
        release.countDown();
        store.commit(B, changes("n", "1"));
        assertThat(s(store.get(A, "n"))).isEqualTo("1");
        assertThat(s(store.get(B, "n"))).isEqualTo("1");
    }

    @Test
    void closeWritesEveryQueuedCommitFirst() throws Exception {
        open(10_000);
        holdFirstWrite(null);
        CompletableFuture<Void> x = occupyCommitter();
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            queued.add(store.commitAsync(ActorId.of("counter", "c" + i), changes("n", String.valueOf(i))));
        }
        CompletableFuture<Void> closing = CompletableFuture.runAsync(store::close);
        Thread.sleep(50);
        assertThat(closing).as("close waits for the queue").isNotDone();
        assertThat(failure(store.commitAsync(A, changes("n", "1")))).hasMessageContaining("closed");
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        x.get(0, TimeUnit.SECONDS);
        for (CompletableFuture<Void> f : queued) {
            assertThat(f).isCompleted();
        }
        store = new MvStoreStateStore(dir);
        for (int i = 0; i < 50; i++) {
            assertThat(s(store.get(ActorId.of("counter", "c" + i), "n"))).isEqualTo(String.valueOf(i));
        }
        assertThat(store.get(A, "n")).isNull();
    }

    @Test
    void closeWithAHungWriteFailsWhatIsQueuedWithinTheBound() throws Exception {
        open(300);
        holdFirstWrite(null);
        CompletableFuture<Void> x = occupyCommitter();
        CompletableFuture<Void> a = store.commitAsync(A, changes("n", "1"));
        long start = System.nanoTime();
        assertThatThrownBy(store::close).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(store.file().toString()).hasMessageContaining("commit_timeout_ms (300 ms)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        assertThatThrownBy(() -> store.get(A, "n")).isInstanceOf(IllegalStateException.class);
        assertThat(failure(a)).hasMessageContaining(A.toString());
        assertThat(failure(x)).hasMessageContaining("commit_timeout_ms");
        release.countDown();
    }

    @Test
    void aFullCommitQueueMakesTheNextCommitWaitThenFailWithinTheBound() throws Exception {
        store = new MvStoreStateStore(dir, 100, 300, 1000);
        holdFirstWrite(null);
        occupyCommitter();
        CompletableFuture<Void> big = store.commitAsync(A, Map.of("big", new byte[2000]));
        long start = System.nanoTime();
        CompletableFuture<Void> refused = store.commitAsync(B, changes("n", "1"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5_000L);
        assertThat(failure(refused)).hasMessageContaining("max_pending_commit_bytes (1000)")
                .hasMessageContaining(B.toString());
        release.countDown();
        assertThat(big).isNotNull();
    }

    @Test
    void syncEveryCommitModeWritesAndSyncsEachGroup() throws Exception {
        store = new MvStoreStateStore(dir, 0);
        AtomicInteger groups = new AtomicInteger();
        store.committerForTests().hookForTests = changes -> groups.incrementAndGet();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(store.commitAsync(ActorId.of("counter", "c" + (i % 10)), changes("n", String.valueOf(i))));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
        assertThat(groups.get()).isBetween(1, 200);
        store.close();
        store = new MvStoreStateStore(dir);
        assertThat(s(store.get(ActorId.of("counter", "c9"), "n"))).isEqualTo("199");
    }

    /** A committer over a recording writer, with linger slices of {@code sliceMillis} (long: arrivals are the hook's). */
    private GroupCommitter lingering(List<List<StateKeys.Change>> writes, long lingerMillis, long sliceMillis) {
        return new GroupCommitter("test-file", new GroupCommitter.Writer() {
            @Override
            public void write(List<StateKeys.Change> changes) {
                writes.add(List.copyOf(changes));
            }

            @Override
            public void idle() {}

            @Override
            public void failed(RuntimeException failure) {}
        }, TimeUnit.SECONDS.toNanos(10), MvStoreStateStore.DEFAULT_MAX_PENDING_COMMIT_BYTES, 0,
                TimeUnit.MILLISECONDS.toNanos(lingerMillis), TimeUnit.MILLISECONDS.toNanos(sliceMillis));
    }

    /**
     * Makes the committer busy: holds the write of one turn until {@code n} more are queued, so they are
     * written as one group of {@code n}; waits for them. Then installs {@code slices} as the linger hook.
     */
    private static void busyGroup(GroupCommitter committer, int n, java.util.function.IntConsumer slices) throws Exception {
        CountDownLatch queued = new CountDownLatch(1);
        AtomicInteger writes = new AtomicInteger();
        committer.hookForTests = changes -> {
            if (writes.incrementAndGet() == 1) {
                try {
                    queued.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(committer.submit(X, StateKeys.forCommit(X, changes("n", "0"))));
        while (writes.get() == 0) {
            Thread.sleep(1); // until the committer holds the first write
        }
        for (int i = 0; i < n; i++) {
            ActorId actor = ActorId.of("counter", "c" + i);
            all.add(committer.submit(actor, StateKeys.forCommit(actor, changes("n", "1"))));
        }
        queued.countDown();
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
        assertThat(writes).as("the held write, then the group of " + n).hasValue(2);
        committer.hookForTests = new GroupCommitter.Hook() {
            @Override
            public void beforeWrite(List<StateKeys.Change> changes) {}

            @Override
            public void beforeLingerSlice(int queuedTurns) {
                slices.accept(queuedTurns);
            }
        };
    }

    @Test
    void aLoneTurnIsWrittenAtOnceWithoutLingering() throws Exception {
        List<List<StateKeys.Change>> writes = new CopyOnWriteArrayList<>();
        // a linger of a minute in slices of a minute: any linger would hold the turn past the test's timeout
        GroupCommitter committer = lingering(writes, 60_000, 60_000);
        AtomicInteger slices = new AtomicInteger();
        committer.hookForTests = new GroupCommitter.Hook() {
            @Override
            public void beforeWrite(List<StateKeys.Change> changes) {}

            @Override
            public void beforeLingerSlice(int queuedTurns) {
                slices.incrementAndGet();
            }
        };
        try {
            committer.submit(A, StateKeys.forCommit(A, changes("n", "1"))).get(10, TimeUnit.SECONDS);
            committer.submit(A, StateKeys.forCommit(A, changes("n", "2"))).get(10, TimeUnit.SECONDS);
            assertThat(slices).as("lone turns after small groups never linger").hasValue(0);
            assertThat(writes).hasSize(2);
        } finally {
            assertThat(committer.close()).isTrue();
        }
    }

    @Test
    void aBusyCommitterLingersWhileTurnsArriveAndWritesThemAsOneGroup() throws Exception {
        List<List<StateKeys.Change>> writes = new CopyOnWriteArrayList<>();
        GroupCommitter committer = lingering(writes, 60_000, 20);
        List<Integer> queuedAtSlices = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> arrivals = new CopyOnWriteArrayList<>();
        try {
            busyGroup(committer, GroupCommitter.BUSY_TURNS, queuedTurns -> { // one write of 8 turns: the store is busy
                queuedAtSlices.add(queuedTurns);
                if (queuedAtSlices.size() <= 2) { // a turn arrives during each of the first two slices, none in the third
                    arrivals.add(committer.submit(B, StateKeys.forCommit(B, changes("n", String.valueOf(queuedAtSlices.size())))));
                }
            });
            assertThat(queuedAtSlices).isEmpty();
            writes.clear();
            CompletableFuture<Void> a = committer.submit(A, StateKeys.forCommit(A, changes("n", "1")));
            a.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : arrivals) {
                assertThat(f).isCompleted();
            }
            assertThat(queuedAtSlices).as("turns queued at each slice: it stops after a slice without one")
                    .containsExactly(1, 2, 3);
            assertThat(writes).hasSize(1);
            // B's two turns changed one key: only its newest change is applied
            assertThat(writes.get(0)).extracting(StateKeys.Change::storageKey)
                    .containsExactly(StateKeys.storageKey(A, "n"), StateKeys.storageKey(B, "n"));
            assertThat(s(writes.get(0).get(1).value())).isEqualTo("2");
            assertThat(committer.overlayForTests()).isEmpty();
        } finally {
            assertThat(committer.close()).isTrue();
        }
    }

    @Test
    void lingeringEndsAtItsBoundWhileTurnsKeepArriving() throws Exception {
        List<List<StateKeys.Change>> writes = new CopyOnWriteArrayList<>();
        GroupCommitter committer = lingering(writes, 100, 5);
        AtomicInteger n = new AtomicInteger();
        try {
            busyGroup(committer, GroupCommitter.BUSY_TURNS, queuedTurns ->
                    committer.submit(B, StateKeys.forCommit(B, changes("n", String.valueOf(n.incrementAndGet())))));
            long start = System.nanoTime();
            committer.submit(A, StateKeys.forCommit(A, changes("n", "1"))).get(10, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(90L, 5_000L);
            assertThat(n.get()).isGreaterThan(1);
        } finally {
            committer.hookForTests = null;
            assertThat(committer.close()).isTrue();
        }
    }

    @Test
    void closeEndsALingerAtOnceAndWritesTheGroup() throws Exception {
        List<List<StateKeys.Change>> writes = new CopyOnWriteArrayList<>();
        GroupCommitter committer = lingering(writes, 60_000, 60_000);
        CountDownLatch lingering = new CountDownLatch(1);
        busyGroup(committer, GroupCommitter.BUSY_TURNS, queuedTurns -> lingering.countDown());
        CompletableFuture<Void> a = committer.submit(A, StateKeys.forCommit(A, changes("n", "1")));
        assertThat(lingering.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        assertThat(committer.close()).isTrue();
        a.get(0, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000L);
        assertThat(writes).hasSize(3);
    }

    @Test
    void newestPerKeyKeepsTheLastChangeOfEachKeyInFirstAppearanceOrder() {
        StateKeys.Change a1 = new StateKeys.Change("a", b("1"));
        StateKeys.Change b1 = new StateKeys.Change("b", b("1"));
        StateKeys.Change a2 = new StateKeys.Change("a", null);
        StateKeys.Change c1 = new StateKeys.Change("c", b("1"));
        assertThat(StateKeys.newestPerKey(List.of(a1, b1, a2, c1))).containsExactly(a2, b1, c1);
        List<StateKeys.Change> distinct = List.of(a1, b1, c1);
        assertThat(StateKeys.newestPerKey(distinct)).isSameAs(distinct);
    }

    static Throwable failure(CompletableFuture<Void> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the commit must fail");
    }

    static Map<String, byte[]> changes(String... kv) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], b(kv[i + 1]));
        }
        return m;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
