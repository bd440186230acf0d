package dev.kelpie.runtime;

import dev.kelpie.api.wapc.MemoryBudget;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The linear-memory budget all active WASM actors of a runtime share. Each activation draws from it
 * through its own {@link Account}, which remembers what it holds (to give back whatever its instance
 * did not when it is released) and the last reservation it was refused (to tell a budget refusal from
 * other instantiation failures).
 */
final class ActorMemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    ActorMemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("a memory budget must be positive, was " + limit);
        }
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used.get();
    }

    long available() {
        return Math.max(0, limit - used.get());
    }

    boolean tryReserve(long bytes) {
        if (bytes < 0) {
            return false;
        }
        while (true) {
            long u = used.get();
            if (bytes > limit - u) {
                return false;
            }
            if (used.compareAndSet(u, u + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    Account account() {
        return new Account();
    }

    /** One instance's share of the budget; what it hands the waPC host. */
    final class Account implements MemoryBudget {
        private final AtomicLong held = new AtomicLong();
        private volatile long refusedBytes;

        @Override
        public boolean tryReserve(long bytes) {
            if (bytes < 0) {
                return false;
            }
            if (!ActorMemoryBudget.this.tryReserve(bytes)) {
                refusedBytes = bytes;
                return false;
            }
            held.addAndGet(bytes);
            return true;
        }

        @Override
        public void release(long bytes) {
            while (true) {
                long h = held.get();
                long give = Math.min(Math.max(0, bytes), h);
                if (held.compareAndSet(h, h - give)) {
                    ActorMemoryBudget.this.release(give);
                    return;
                }
            }
        }

        /** Gives back all this account still holds (idempotent). */
        void releaseAll() {
            ActorMemoryBudget.this.release(held.getAndSet(0));
        }

        long held() {
            return held.get();
        }

        /** The size of the last refused reservation, 0 if none was refused since {@link #clearRefusal}. */
        long refusedBytes() {
            return refusedBytes;
        }

        void clearRefusal() {
            refusedBytes = 0;
        }
    }
}
