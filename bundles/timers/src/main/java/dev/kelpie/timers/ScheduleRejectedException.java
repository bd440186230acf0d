package dev.kelpie.timers;

import dev.kelpie.api.KelpieException;

/**
 * A timer or reminder was refused: a bad name, operation, delay or period, a limit (per actor, in total,
 * payload size, minimum period), or the store failed. The message names the actor, the timer or reminder and
 * the rule or limit.
 */
public class ScheduleRejectedException extends KelpieException {
    private static final long serialVersionUID = 1L;

    public ScheduleRejectedException(String message) {
        super(message);
    }

    public ScheduleRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
