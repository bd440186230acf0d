package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed instances of one module (for one guest adapter and memory cap), scrubbed back to the module's
 * {@link MemoryImage}, waiting to serve a new instance instead of one built by Chicory. Bounded twice: by a
 * count per pool, and by the bytes of linear memory all pools of a host hold together ({@link Bytes}); an
 * instance offered past either is dropped. Lock-free; the last one in is the first out (its blocks are
 * the likeliest to be in a cache). A pooled instance holds no actor's data and no memory-budget reservation.
 */
final class InstancePool {
    private final int capacity;
    private final Bytes bytes;
    private final ConcurrentLinkedDeque<Pooled> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger size = new AtomicInteger();
    /** Runs right after a successful {@link #take}; for tests that force an interleaving. */
    volatile Runnable afterTake;

    InstancePool(int capacity, Bytes bytes) {
        this.capacity = capacity;
        this.bytes = bytes;
    }

    InstancePool(int capacity) {
        this(capacity, new Bytes(Long.MAX_VALUE));
    }

    /** The bytes all pools of one host may hold together, and what they hold. */
    static final class Bytes {
        private final long limit;
        private final AtomicLong held = new AtomicLong();

        Bytes(long limit) {
            this.limit = limit;
        }

        boolean hasRoom() {
            return held.get() < limit;
        }

        boolean reserve(long n) {
            if (held.addAndGet(n) > limit) {
                held.addAndGet(-n);
                return false;
            }
            return true;
        }

        void release(long n) {
            held.addAndGet(-n);
        }

        /** What the pooled instances hold now. */
        long held() {
            return held.get();
        }
    }

    /** A scrubbed instance, or null when none waits. Each pooled instance is handed out once. */
    Pooled take() {
        Pooled p = idle.pollFirst();
        if (p != null) {
            size.decrementAndGet();
            bytes.release(p.bytes);
            Runnable hook = afterTake;
            if (hook != null) {
                hook.run();
            }
        }
        return p;
    }

    /** Whether an offer could be kept now (to skip scrubbing an instance a full pool would drop). */
    boolean hasRoom() {
        return size.get() < capacity && bytes.hasRoom();
    }

    /** Keeps a scrubbed instance; false (dropped) when the pool is full. */
    boolean offer(Pooled p) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        if (!bytes.reserve(p.bytes)) {
            size.decrementAndGet();
            return false;
        }
        idle.offerFirst(p);
        return true;
    }

    /** Drops every pooled instance (its module or adapter went away), giving back the bytes they held. */
    void drain() {
        for (Pooled p; (p = take()) != null; ) {
            // dropped: the garbage collector takes it
        }
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
        /** The memory's own blocks when it was offered (after the scrub), counted against {@link Bytes}. */
        long bytes;

        Pooled(Instance instance, ExportFunction guestCall, WapcGuestInstance.ImportTarget target) {
            this.instance = instance;
            this.memory = (PagedMemory) instance.memory();
            this.guestCall = guestCall;
            this.target = target;
        }
    }
}
