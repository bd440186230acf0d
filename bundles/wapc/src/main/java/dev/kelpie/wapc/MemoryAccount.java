package dev.kelpie.wapc;

import dev.kelpie.api.wapc.MemoryBudget;

/**
 * The bytes one instance holds of a shared {@link MemoryBudget}: its initial memory and each growth. It
 * gives all of them back once, when the instance is released; after that it reserves nothing more.
 */
final class MemoryAccount {
    private final MemoryBudget budget;
    private long reserved; // guarded by this
    private boolean released; // guarded by this

    MemoryAccount(MemoryBudget budget) {
        this.budget = budget;
    }

    /** Takes bytes from the budget; false (nothing taken) when it refuses, fails, or the account is released. */
    synchronized boolean reserve(long bytes) {
        if (released) {
            return false;
        }
        if (bytes == 0) {
            return true;
        }
        boolean taken;
        try {
            taken = budget.tryReserve(bytes);
        } catch (RuntimeException e) {
            taken = false; // a failing budget refuses: the guest sees memory.grow fail, the host stays healthy
        }
        if (taken) {
            reserved += bytes;
        }
        return taken;
    }

    /** Gives back bytes of a reservation whose growth did not happen. */
    void unreserve(long bytes) {
        synchronized (this) {
            if (released) {
                return;
            }
            reserved -= bytes;
        }
        budget.release(bytes);
    }

    synchronized long reserved() {
        return reserved;
    }

    /** Gives back everything reserved; later calls do nothing. */
    void releaseAll() {
        long bytes;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            bytes = reserved;
            reserved = 0;
        }
        if (bytes > 0) {
            budget.release(bytes);
        }
    }
}
