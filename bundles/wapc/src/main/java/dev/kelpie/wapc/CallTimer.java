package dev.kelpie.wapc;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host's one timer for call timeouts: a single daemon thread, started on first use, that interrupts a
 * call's thread when the call runs past its deadline. {@link Deadline#finish} ends a call: it cancels the
 * timer or, when the timer already fired, waits for the interrupt to land and clears it, so a late timer
 * never interrupts the thread after the call returned.
 */
final class CallTimer {
    private ScheduledThreadPoolExecutor executor; // guarded by this
    private boolean stopped; // guarded by this

    /** Starts the deadline of a call on the current thread; null when there is no timeout. */
    Deadline start(Duration timeout) {
        if (timeout == null) {
            return null;
        }
        Deadline deadline = new Deadline(Thread.currentThread(), timeout);
        try {
            deadline.future = executor().schedule(deadline, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the waPC host was stopped: it times no more calls", e);
        }
        return deadline;
    }

    private synchronized ScheduledThreadPoolExecutor executor() {
        if (stopped) {
            throw new IllegalStateException("the waPC host was stopped: it times no more calls");
        }
        if (executor == null) {
            executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "kelpie-wapc-call-timer");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }
        return executor;
    }

    /**
     * Runs a housekeeping task on the timer's thread every {@code period} until {@link #stop}; a task that
     * throws is logged and runs again next time. Nothing happens once stopped.
     */
    void every(Duration period, Runnable task) {
        ScheduledThreadPoolExecutor e;
        try {
            e = executor();
        } catch (IllegalStateException stopped) {
            return;
        }
        long nanos = period.toNanos();
        try {
            e.scheduleWithFixedDelay(() -> {
                try {
                    task.run();
                } catch (RuntimeException failed) {
                    System.getLogger("kelpie.wapc").log(System.Logger.Level.WARNING, "housekeeping failed: " + failed);
                }
            }, nanos, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // stopped meanwhile
        }
    }

    /** Stops the timer thread; calls with a timeout are refused from now on. */
    synchronized void stop() {
        stopped = true;
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    /** The deadline of one call. */
    static final class Deadline implements Runnable {
        private static final int RUNNING = 0;
        private static final int FIRING = 1;
        private static final int FIRED = 2;
        private static final int FINISHED = 3;
        private static final int FINISHED_AFTER_FIRING = 4;

        private final Thread thread;
        private final Duration timeout;
        private final AtomicInteger state = new AtomicInteger(RUNNING);
        private ScheduledFuture<?> future;

        Deadline(Thread thread, Duration timeout) {
            this.thread = thread;
            this.timeout = timeout;
        }

        /** The timer: interrupts the call's thread unless the call finished first. */
        @Override
        public void run() {
            if (state.compareAndSet(RUNNING, FIRING)) {
                thread.interrupt();
                state.set(FIRED);
            }
        }

        /**
         * Ends the call (on its own thread). Idempotent.
         *
         * @return whether the deadline passed and interrupted the call; its interrupt is cleared then
         */
        boolean finish() {
            if (state.compareAndSet(RUNNING, FINISHED)) {
                future.cancel(false);
                return false;
            }
            int s;
            while ((s = state.get()) == FIRING) {
                Thread.onSpinWait();
            }
            if (s == FIRED) {
                Thread.interrupted();
                state.set(FINISHED_AFTER_FIRING);
                return true;
            }
            return s == FINISHED_AFTER_FIRING;
        }

        Duration timeout() {
            return timeout;
        }

        String describe() {
            return "ran past the call timeout of " + timeout.toMillis() + " ms";
        }
    }
}
