package dev.kelpie.api.wapc;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A budget of linear-memory bytes shared by many instances (for example every active actor of a
 * runtime). An instance reserves its initial memory when it is created and each {@code memory.grow}
 * before it happens; it releases all of it when it is closed. A reservation that would overdraw the
 * budget is refused: instantiation then fails and {@code memory.grow} returns -1, as at the per-instance
 * cap. Implementations are thread-safe.
 */
@ConsumerType
public interface MemoryBudget {
    /**
     * Takes {@code bytes} from the budget.
     *
     * @return whether they were taken; on false nothing was taken
     */
    boolean tryReserve(long bytes);

    /** Gives back bytes taken earlier. */
    void release(long bytes);
}
