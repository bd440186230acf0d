package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed instances of one module (for one guest adapter and memory cap), scrubbed back to the module's
 * {@link MemoryImage}, waiting to serve a new instance instead of one built by Chicory. Bounded: an
 * instance offered to a full pool is dropped. Lock-free; the last one in is the first out (its blocks are
 * the likeliest to be in a cache). A pooled instance holds no actor's data and no memory-budget reservation.
 */
final class InstancePool {
    private final int capacity;
    private final ConcurrentLinkedDeque<Pooled> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Runs right after a successful {@link #take}; for tests that force an interleaving. */
    volatile Runnable afterTake;

    InstancePool(int capacity) {
        this.capacity = capacity;
    }

    /** A scrubbed instance, or null when none waits. Each pooled instance is handed out once. */
    Pooled take() {
        Pooled p = idle.pollFirst();
        if (p != null) {
            size.decrementAndGet();
            Runnable hook = afterTake;
            if (hook != null) {
                hook.run();
            }
        }
        return p;
    }

    /** Whether an offer could be kept now (to skip scrubbing an instance a full pool would drop). */
    boolean hasRoom() {
        return size.get() < capacity;
    }

    /** Keeps a scrubbed instance; false (dropped) when the pool is full. */
    boolean offer(Pooled p) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        idle.offerFirst(p);
        return true;
    }

    /** Instances waiting. */
    int size() {
        return size.get();
    }

    /**
     * A Chicory instance with what the host needs to hand it to a new {@link WapcGuestInstance}: its
     * memory, its {@code __guest_call} and the indirection its {@code wapc} imports call through.
     */
    static final class Pooled {
        final Instance instance;
        final PagedMemory memory;
        final ExportFunction guestCall;
        final WapcGuestInstance.ImportTarget target;

        Pooled(Instance instance, ExportFunction guestCall, WapcGuestInstance.ImportTarget target) {
            this.instance = instance;
            this.memory = (PagedMemory) instance.memory();
            this.guestCall = guestCall;
            this.target = target;
        }
    }
}
