package dev.kelpie.timers;

import dev.kelpie.api.actor.ActorId;
import java.time.Duration;
import java.time.Instant;

/**
 * A stored reminder.
 *
 * @param actor the actor it reminds
 * @param name its name, unique per actor
 * @param operation the operation of its message
 * @param due when it fires next
 * @param period between firings, or {@link Duration#ZERO} for a one-shot reminder
 * @param payload the payload of its message (a copy)
 * @param failedAttempts deliveries that failed in a way that is retried (type not deployed, mailbox full, ...)
 *     since it last fired
 */
public record Reminder(ActorId actor, String name, String operation, Instant due, Duration period, byte[] payload,
        int failedAttempts) {
    public Reminder {
        payload = payload == null ? new byte[0] : payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
