package dev.kelpie.runtime;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A place where turns run: one per pool worker, and a fixed number for callers that run a turn on their
 * own thread ({@code ActorRef.call}'s fast path). It holds the activation being run there, or null. The
 * watchdog checks the deadlines of the activations in the slots only, so its work per tick is bounded by
 * the turns that can be in progress (workers plus caller slots), not by the number of actors.
 */
final class TurnSlot extends AtomicReference<Activation> {
    private static final long serialVersionUID = 1L;

    /** The activation run here now, or null. */
    Activation running() {
        return get();
    }

    /** Claims a free caller slot for {@code a}; false if another caller holds it. */
    boolean claim(Activation a) {
        return get() == null && compareAndSet(null, a);
    }

    /** A pool worker of a runtime: it carries the slot its batches run in. */
    static final class Worker extends ForkJoinWorkerThread {
        final TurnSlot slot = new TurnSlot();
        private final java.util.Set<TurnSlot> registry;

        Worker(ForkJoinPool pool, String name, java.util.Set<TurnSlot> registry) {
            super(pool);
            this.registry = registry;
            setName(name);
            setDaemon(true);
            setContextClassLoader(ClassLoader.getSystemClassLoader()); // as the pool's default factory does
        }

        @Override
        protected void onStart() {
            super.onStart();
            registry.add(slot);
        }

        @Override
        protected void onTermination(Throwable exception) {
            registry.remove(slot);
            super.onTermination(exception);
        }
    }
}
