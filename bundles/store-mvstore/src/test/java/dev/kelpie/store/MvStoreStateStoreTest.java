package dev.kelpie.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.state.StateStore;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStoreStateStoreTest extends StateStoreContractTest {
    @TempDir
    Path dir;

    @Override
    StateStore newStore() {
        return new MvStoreStateStore(dir.resolve("store"));
    }

    MvStoreStateStore mv() {
        return (MvStoreStateStore) store;
    }

    @Test
    void keepsItsFileInTheDataDirectoryAndDescribesIt() {
        Path file = dir.resolve("store").resolve("kelpie-state.mv.db").toAbsolutePath();
        assertThat(file).exists();
        assertThat(mv().file()).isEqualTo(file);
        assertThat(store.describe()).isEqualTo("mvstore " + file);
    }

    @Test
    void createsMissingDirectories() {
        try (MvStoreStateStore s = new MvStoreStateStore(dir.resolve("a/b/c"))) {
            s.commit(A, changes("k", "v"));
        }
        assertThat(dir.resolve("a/b/c/kelpie-state.mv.db")).exists();
    }

    @Test
    void survivesCloseAndReopen() {
        store.commit(A, changes("x", "1", "y", "2", "z", "3"));
        store.commit(AB, changes("x", "ab"));
        store.commit(A, changes("y", null, "x", "one"));
        mv().close();

        store = newStore();
        assertThat(s(store.get(A, "x"))).isEqualTo("one");
        assertThat(store.get(A, "y")).isNull();
        assertThat(s(store.get(A, "z"))).isEqualTo("3");
        assertThat(store.keys(A, "")).containsExactly("x", "z");
        assertThat(s(store.get(AB, "x"))).isEqualTo("ab");

        store.commit(A, changes("w", "4"));
        mv().close();
        store = newStore();
        assertThat(store.keys(A, "")).containsExactly("w", "x", "z");
    }

    @Test
    void aSecondStoreOnTheSameDirectoryFailsNamingThePath() {
        store.commit(A, changes("x", "1"));
        Path file = mv().file();
        assertThatThrownBy(() -> new MvStoreStateStore(dir.resolve("store")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("locked");
        // the first one is unharmed, and once it is closed the directory opens again
        store.commit(A, changes("x", "2"));
        assertThat(s(store.get(A, "x"))).isEqualTo("2");
        mv().close();
        store = newStore();
        assertThat(s(store.get(A, "x"))).isEqualTo("2");
    }

    @Test
    void aCorruptFileFailsNamingThePath() throws Exception {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad);
        byte[] garbage = new byte[16 * 1024];
        new Random(42).nextBytes(garbage);
        Files.write(bad.resolve("kelpie-state.mv.db"), garbage);
        assertThatThrownBy(() -> new MvStoreStateStore(bad))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(bad.resolve("kelpie-state.mv.db").toAbsolutePath().toString())
                .hasMessageContaining("corrupt");
    }

    @Test
    void aDirectoryThatCannotBeCreatedFailsNamingThePath() throws Exception {
        Path aFile = Files.writeString(dir.resolve("plain-file"), "not a directory");
        Path impossible = aFile.resolve("data");
        assertThatThrownBy(() -> new MvStoreStateStore(impossible))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot create the state store directory")
                .hasMessageContaining(impossible.toAbsolutePath().toString());
    }

    @Test
    void nullDirectoryIsRejected() {
        assertThatThrownBy(() -> new MvStoreStateStore((Path) null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClosedStoreSaysSo() {
        mv().close();
        mv().close(); // idempotent
        assertThatThrownBy(() -> store.get(A, "x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed").hasMessageContaining(mv().file().toString());
        assertThatThrownBy(() -> store.commit(A, changes("x", "1"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(store.describe()).endsWith("(closed)");
        store = newStore();
        assertThat(store.get(A, "x")).isNull();
    }

    @Test
    void aCloseWhoseSyncFailsStillReleasesTheFile() {
        store.commit(A, changes("x", "1"));
        InterruptSafeFileStore files = (InterruptSafeFileStore) mv().mvStoreForTests().getFileStore();
        files.syncFailureForTests = new java.io.IOException("disk on fire");
        assertThatThrownBy(() -> mv().close()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(mv().file().toString()).hasMessageContaining("disk on fire");
        mv().close(); // idempotent, after a failed close too
        assertThat(store.describe()).endsWith("(closed)");
        // the file is no longer locked, and the committed turn is there
        store = newStore();
        assertThat(s(store.get(A, "x"))).isEqualTo("1");
    }

    @Test
    void uncommittedMapChangesNeverReachTheFileOnTheirOwn() throws Exception {
        // 2.x's autoCommitDisabled() alone would still store once unsaved changes pass the
        // auto-commit buffer (up to ~19 MB); the store turns that off too, so half a turn is never written
        store.commit(A, changes("x", "1"));
        long before = Files.size(mv().file());
        var map = mv().mvMapForTests();
        byte[] big = new byte[256 * 1024];
        for (int i = 0; i < 160; i++) { // 40 MB of unsaved changes
            map.put(StateKeys.storageKey(A, "big" + i), big.clone());
        }
        assertThat(Files.size(mv().file())).isEqualTo(before);
        mv().mvStoreForTests().rollback();
        mv().close();
        store = newStore();
        assertThat(store.keys(A, "")).containsExactly("x");
    }

    @Test
    void aLargeTurnIsCommittedWhole() {
        byte[] big = new byte[256 * 1024];
        Map<String, byte[]> turn = new java.util.HashMap<>();
        for (int i = 0; i < 100; i++) {
            turn.put("big" + i, big);
        }
        store.commit(A, turn);
        mv().close();
        store = newStore();
        assertThat(store.keys(A, "big")).hasSize(100);
    }

    @Test
    void spaceOfSupersededChunksIsReused() throws Exception {
        // every commit writes a new chunk; MVStore's default 45 s retention would keep every one of them
        // (several MB for these 300, 140 MB for 5000). With an fsync per commit (interval 0) each
        // superseded chunk is reusable at once, which makes the bound deterministic for the test.
        mv().close();
        try (MvStoreStateStore s = new MvStoreStateStore(dir.resolve("store"), 0)) {
            byte[] value = new byte[1000];
            for (int i = 0; i < 300; i++) {
                s.commit(A, Map.of("k" + (i % 20), value, "n", String.valueOf(i).getBytes()));
            }
            assertThat(Files.size(s.file())).isLessThan(1024L * 1024);
            assertThat(s(s.get(A, "n"))).isEqualTo("299");
        }
        store = newStore();
        assertThat(s(store.get(A, "n"))).isEqualTo("299");
    }

    @Test
    void dataDirResolution() {
        String old = System.getProperty(MvStoreStateStore.HOME_PROPERTY);
        try {
            System.clearProperty(MvStoreStateStore.HOME_PROPERTY);
            assertThat(MvStoreStateStore.resolveDataDir("data"))
                    .isEqualTo(Path.of("").toAbsolutePath().resolve("data"));
            assertThat(MvStoreStateStore.resolveDataDir(" "))
                    .isEqualTo(Path.of("").toAbsolutePath().resolve("data"));
            Path abs = dir.resolve("abs").toAbsolutePath();
            assertThat(MvStoreStateStore.resolveDataDir(abs.toString())).isEqualTo(abs);

            System.setProperty(MvStoreStateStore.HOME_PROPERTY, dir.toString());
            assertThat(MvStoreStateStore.resolveDataDir("data/state")).isEqualTo(dir.resolve("data/state").toAbsolutePath());
            assertThat(MvStoreStateStore.resolveDataDir(abs.toString())).isEqualTo(abs);
        } finally {
            if (old == null) {
                System.clearProperty(MvStoreStateStore.HOME_PROPERTY);
            } else {
                System.setProperty(MvStoreStateStore.HOME_PROPERTY, old);
            }
        }
    }

    @Test
    void theComponentConstructorUsesTheConfiguration() {
        String old = System.getProperty(MvStoreStateStore.HOME_PROPERTY);
        System.setProperty(MvStoreStateStore.HOME_PROPERTY, dir.toString());
        try (MvStoreStateStore s = new MvStoreStateStore(config("ds-data", 0))) {
            assertThat(s.file()).isEqualTo(dir.resolve("ds-data/kelpie-state.mv.db").toAbsolutePath());
            s.commit(A, changes("k", "v"));
            assertThat(s(s.get(A, "k"))).isEqualTo("v");
        } finally {
            if (old == null) {
                System.clearProperty(MvStoreStateStore.HOME_PROPERTY);
            } else {
                System.setProperty(MvStoreStateStore.HOME_PROPERTY, old);
            }
        }
    }

    // ---- interrupts (issue 7, item 2): an actor's turn interrupted for its timeout must not break the store

    /** Fills the store with enough data that, once reopened, a get of one of the keys reads the file. */
    private void fillAndReopen() {
        byte[] value = new byte[2000];
        for (int i = 0; i < 200; i++) {
            store.commit(ActorId.of("t", "x" + i), Map.of("k", value, "n", b(String.valueOf(i))));
        }
        mv().close();
        store = newStore();
    }

    @Test
    void anInterruptedReaderDoesNotBreakTheStoreForOtherThreads() throws Exception {
        fillAndReopen();
        Thread.currentThread().interrupt();
        byte[] read;
        try {
            // not in the cache: this reads the file with the interrupt flag set
            read = store.get(ActorId.of("t", "x17"), "n");
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        }
        assertThat(s(read)).isEqualTo("17");
        assertOtherThreadCanReadAndCommit();
    }

    @Test
    void anInterruptedCommitDoesNotBreakTheStoreForOtherThreads() throws Exception {
        fillAndReopen();
        Thread.currentThread().interrupt();
        try {
            store.commit(A, changes("x", "1"));
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        }
        assertOtherThreadCanReadAndCommit();
        assertThat(s(store.get(A, "x"))).isEqualTo("1");
    }

    @Test
    void interruptsRainingOnReadersAndWritersNeverBreakTheStore() throws Exception {
        // with the sync interval 0 every commit also fsyncs, so interrupts land in reads, writes and forces
        mv().close();
        store = new MvStoreStateStore(dir.resolve("store"), 0);
        fillAndReopenKeepingSyncEveryCommit();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    Thread.interrupted();
                    store.get(ActorId.of("t", "x" + (i % 200)), "k");
                    store.commit(ActorId.of("t", "w"), Map.of("n", b(String.valueOf(i))));
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "interrupted-worker");
        worker.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < deadline && worker.isAlive()) {
            worker.interrupt();
            Thread.onSpinWait();
        }
        stop.set(true);
        worker.join(10_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(failure.get()).as("the interrupted worker's own operations").isNull();
        assertOtherThreadCanReadAndCommit();
    }

    private void fillAndReopenKeepingSyncEveryCommit() {
        byte[] value = new byte[2000];
        for (int i = 0; i < 200; i++) {
            store.commit(ActorId.of("t", "x" + i), Map.of("k", value, "n", b(String.valueOf(i))));
        }
        mv().close();
        store = new MvStoreStateStore(dir.resolve("store"), 0);
    }

    private void assertOtherThreadCanReadAndCommit() throws Exception {
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            String n = other.submit(() -> {
                store.commit(AB, changes("y", "2"));
                return s(store.get(ActorId.of("t", "x42"), "n"));
            }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(n).isEqualTo("42");
            assertThat(s(store.get(AB, "y"))).isEqualTo("2");
            assertThat(store.describe()).doesNotContain("closed");
        } finally {
            other.shutdownNow();
        }
    }

    private static MvStoreStateStore.Config config(String dataDir, long syncIntervalMs) {
        return new MvStoreStateStore.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MvStoreStateStore.Config.class;
            }

            @Override
            public String data__dir() {
                return dataDir;
            }

            @Override
            public long sync__interval__ms() {
                return syncIntervalMs;
            }

            @Override
            public long commit__timeout__ms() {
                return MvStoreStateStore.DEFAULT_COMMIT_TIMEOUT_MS;
            }

            @Override
            public long max__pending__commit__bytes() {
                return MvStoreStateStore.DEFAULT_MAX_PENDING_COMMIT_BYTES;
            }

            @Override
            public long group__commit__linger__us() {
                return MvStoreStateStore.DEFAULT_GROUP_COMMIT_LINGER_US;
            }
        };
    }
}
