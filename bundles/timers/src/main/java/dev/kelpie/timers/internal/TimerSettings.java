package dev.kelpie.timers.internal;

import java.time.Duration;

/**
 * The limits of timers and reminders (ConfigAdmin PID {@value KelpieTimers#PID}).
 *
 * @param maxTimersPerActor timers one actor may have at once
 * @param maxTimers timers of all actors together
 * @param maxRemindersPerActor reminders one actor may have
 * @param maxReminders reminders of all actors together
 * @param minPeriod the shortest period of a periodic timer or reminder
 * @param maxDelay the longest delay or period
 * @param maxPayloadBytes the largest payload of a timer or reminder message
 * @param schedulerThreads threads that fire timers and reminders
 * @param retryDelay the first delay before a reminder whose delivery failed is retried (it doubles)
 * @param maxRetryDelay the longest delay between retries
 */
public record TimerSettings(int maxTimersPerActor, int maxTimers, int maxRemindersPerActor, int maxReminders,
        Duration minPeriod, Duration maxDelay, int maxPayloadBytes, int schedulerThreads, Duration retryDelay,
        Duration maxRetryDelay) {
    public static final TimerSettings DEFAULTS = new TimerSettings(100, 100_000, 100, 100_000, Duration.ofMillis(100),
            Duration.ofDays(365), 64 * 1024, 1, Duration.ofSeconds(1), Duration.ofMinutes(1));

    public TimerSettings {
        positive("max_timers_per_actor", maxTimersPerActor);
        positive("max_timers", maxTimers);
        positive("max_reminders_per_actor", maxRemindersPerActor);
        positive("max_reminders", maxReminders);
        positive("max_payload_bytes", maxPayloadBytes);
        positive("scheduler_threads", schedulerThreads);
        if (schedulerThreads > 16) {
            throw new IllegalArgumentException("scheduler_threads is " + schedulerThreads + "; at most 16");
        }
        if (minPeriod.isNegative() || minPeriod.isZero() || maxDelay.compareTo(minPeriod) < 0
                || retryDelay.isNegative() || retryDelay.isZero() || maxRetryDelay.compareTo(retryDelay) < 0) {
            throw new IllegalArgumentException("timer settings: need 0 < min period <= max delay and 0 < retry delay "
                    + "<= max retry delay (got " + minPeriod + ", " + maxDelay + ", " + retryDelay + ", " + maxRetryDelay + ")");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be at least 1");
        }
    }

    public TimerSettings withLimits(int perActor, int total) {
        return new TimerSettings(perActor, total, perActor, total, minPeriod, maxDelay, maxPayloadBytes,
                schedulerThreads, retryDelay, maxRetryDelay);
    }
}
