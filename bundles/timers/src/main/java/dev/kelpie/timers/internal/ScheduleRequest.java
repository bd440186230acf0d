package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.timers.ScheduleRejectedException;
import java.time.Duration;

/**
 * A checked request for a timer or a reminder: one place holds the rules for names, operations, delays,
 * periods and payload sizes, so both kinds (and every path: Java, host functions) refuse the same way.
 */
record ScheduleRequest(String kind, ActorId actor, String name, String operation, long delayMillis, long periodMillis,
        byte[] payload) {
    static final int MAX_NAME_CHARS = 128;
    static final int MAX_OPERATION_CHARS = 1024;

    /** Checks everything but the counts, and copies the payload. */
    static ScheduleRequest of(String kind, ActorId actor, String name, String operation, Duration delay,
            Duration period, byte[] payload, TimerSettings settings) {
        if (actor == null) {
            throw new ScheduleRejectedException(kind + " '" + name + "': the actor is null");
        }
        checkName(kind, actor, name);
        String what = kind + " '" + name + "' of actor " + actor;
        if (operation == null || operation.isEmpty() || operation.length() > MAX_OPERATION_CHARS
                || operation.indexOf('\n') >= 0) {
            throw new ScheduleRejectedException(what + " refused: the operation must be 1 to " + MAX_OPERATION_CHARS
                    + " characters without a newline");
        }
        long delayMillis = millis(what, "delay", delay, settings);
        long periodMillis = period == null ? 0 : millis(what, "period", period, settings);
        if (periodMillis != 0 && periodMillis < settings.minPeriod().toMillis()) {
            throw new ScheduleRejectedException(what + " refused: period " + periodMillis + " ms is under the minimum of "
                    + settings.minPeriod().toMillis() + " ms (min_period_ms)");
        }
        byte[] body = payload == null ? new byte[0] : payload.clone();
        if (body.length > settings.maxPayloadBytes()) {
            throw new ScheduleRejectedException(what + " refused: payload is " + body.length + " bytes, over the limit of "
                    + settings.maxPayloadBytes() + " bytes (max_payload_bytes)");
        }
        return new ScheduleRequest(kind, actor, name, operation, delayMillis, periodMillis, body);
    }

    static void checkName(String kind, ActorId actor, String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_CHARS) {
            throw new ScheduleRejectedException(kind + " name of actor " + actor + " refused: a name is 1 to "
                    + MAX_NAME_CHARS + " characters of A-Z a-z 0-9 . _ -");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                throw new ScheduleRejectedException(kind + " name '" + abbreviate(name) + "' of actor " + actor
                        + " refused: the character '" + c + "' at " + i + " is not one of A-Z a-z 0-9 . _ -");
            }
        }
    }

    private static long millis(String what, String field, Duration d, TimerSettings settings) {
        if (d == null || d.isNegative()) {
            throw new ScheduleRejectedException(what + " refused: the " + field + " must be zero or more");
        }
        if (d.compareTo(settings.maxDelay()) > 0) {
            throw new ScheduleRejectedException(what + " refused: the " + field + " " + d + " is over the limit of "
                    + settings.maxDelay().toDays() + " days (max_delay_days)");
        }
        return d.toMillis();
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    String describe() {
        return kind + " '" + name + "' of actor " + actor;
    }
}
