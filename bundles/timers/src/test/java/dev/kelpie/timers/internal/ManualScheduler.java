package dev.kelpie.timers.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} for tests: its clock moves only when the test says, and due tasks run on the test's
 * thread. Tasks scheduled from other threads (the completions of actors' turns) run only in a later
 * {@link #advance} or in {@link #runUntil}, whose wait is bounded, so a test sees every step.
 */
final class ManualScheduler implements Scheduler {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now = 1_700_000_000_000L;
    private long seq;

    private final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long order = seq++;
        final Runnable run;
        final Thread scheduledBy = Thread.currentThread();
        final long delay;

        Task(long due, long delay, Runnable run) {
            this.due = due;
            this.delay = delay;
            this.run = run;
        }

        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
        }

        @Override
        public void cancel() {
            synchronized (ManualScheduler.this) {
                queue.remove(this);
            }
        }
    }

    @Override
    public synchronized long nowMillis() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        Task t = new Task(now + Math.max(0, delayMillis), Math.max(0, delayMillis), task);
        queue.add(t);
        notifyAll();
        return t;
    }

    /**
     * Moves the clock by {@code millis}, running in order every task due on the way that was waiting when it was
     * called or that this thread schedules meanwhile with a delay. Tasks without delay scheduled meanwhile (the
     * completions of turns, which may run on this thread when the turn was quick) wait for {@link #runUntil}.
     */
    void advance(long millis) {
        Thread caller = Thread.currentThread();
        long target;
        long firstNew;
        synchronized (this) {
            target = now + millis;
            firstNew = seq;
        }
        while (true) {
            Task t = null;
            synchronized (this) {
                for (Task c : queue) {
                    if (c.due <= target && (c.order < firstNew || c.scheduledBy == caller && c.delay > 0) && (t == null || c.compareTo(t) < 0)) {
                        t = c;
                    }
                }
                if (t == null) {
                    now = target;
                    return;
                }
                queue.remove(t);
                now = Math.max(now, t.due);
            }
            t.run.run();
        }
    }

    /** Runs due tasks (from any thread) as they come until the condition holds; at most 10 s. */
    void runUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            runDue();
            if (condition.getAsBoolean()) {
                return;
            }
            synchronized (this) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the condition did not hold within 10 s; waiting: " + pending());
                }
                wait(Math.min(10, Math.max(1, left / 1_000_000)));
            }
        }
    }

    private void runDue() {
        while (true) {
            Task t;
            synchronized (this) {
                t = queue.peek();
                if (t == null || t.due > now) {
                    return;
                }
                queue.poll();
            }
            t.run.run();
        }
    }

    /** Due times of the waiting tasks, relative to now. */
    synchronized List<Long> pending() {
        List<Long> due = new ArrayList<>();
        queue.stream().sorted().forEach(t -> due.add(t.due - now));
        return due;
    }

    @Override
    public void close() {
        synchronized (this) {
            queue.clear();
        }
    }
}
