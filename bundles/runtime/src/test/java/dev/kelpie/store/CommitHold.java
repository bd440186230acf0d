package dev.kelpie.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * For the runtime's tests (same package as the store, on the test class path): holds the first group
 * commit of a {@link MvStoreStateStore} until released, records the stored keys of every group written,
 * and can make later writes fail.
 */
public final class CommitHold {
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    /** The stored keys ({@code namespace NUL id NUL key}) of each group written, in order. */
    public final List<List<String>> groups = new CopyOnWriteArrayList<>();
    private volatile Consumer<List<String>> later = keys -> { };

    public CommitHold(MvStoreStateStore store) {
        AtomicInteger n = new AtomicInteger();
        store.committerForTests().hookForTests = changes -> {
            List<String> keys = changes.stream().map(StateKeys.Change::storageKey).toList();
            groups.add(keys);
            if (n.incrementAndGet() == 1) {
                holding.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                later.accept(keys);
            }
        };
    }

    /** What later writes do first (it may throw to fail the write). */
    public void thenBeforeEachWrite(Consumer<List<String>> action) {
        later = action;
    }

    /** Waits until the committer holds the first write. */
    public boolean awaitHolding() throws InterruptedException {
        return holding.await(10, TimeUnit.SECONDS);
    }

    public void release() {
        release.countDown();
    }
}
