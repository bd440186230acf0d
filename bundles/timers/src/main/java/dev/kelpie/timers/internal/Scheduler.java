package dev.kelpie.timers.internal;

/**
 * Where timers and reminders wait: a wall clock and delayed tasks. Production uses {@link ExecutorScheduler};
 * tests use a manual one whose clock they move, so that no test of the logic sleeps.
 */
interface Scheduler extends AutoCloseable {
    /** Wall-clock milliseconds since the epoch (reminders store due times in it). */
    long nowMillis();

    /** Runs the task once, after the delay (0 or less: soon), on a scheduler thread. */
    Cancellable schedule(Runnable task, long delayMillis);

    /** Stops running tasks; tasks still waiting are dropped. */
    @Override
    void close();

    /** A scheduled task. */
    interface Cancellable {
        void cancel();
    }
}
