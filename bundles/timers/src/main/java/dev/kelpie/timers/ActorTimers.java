package dev.kelpie.timers;

import dev.kelpie.api.actor.ActorId;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Timers of active actors: a timer sends the actor a message (an operation with a payload) after a delay, and
 * then every period if it has one, while the actor stays active. Passivation cancels all of an actor's timers;
 * they are not durable (use {@link ActorReminders} for that). A periodic timer's next delay starts when the
 * previous message has been handled, so a slow actor never has more than one timer message queued per timer.
 *
 * <p>Usually called from the actor's own turn ({@code context.self()}); a timer set for an actor that is not
 * active fires only if the actor is active by then (its message would activate it otherwise). Timer messages
 * are ordinary messages: they queue behind others and count against the mailbox.
 */
@ProviderType
public interface ActorTimers {
    /**
     * Sets (or replaces) the actor's timer of this name.
     *
     * @param name 1 to 128 characters of {@code A-Z a-z 0-9 . _ -}
     * @param delay until the first message; zero or more
     * @param period between messages, or {@link Duration#ZERO} for a one-shot timer; otherwise at least the
     *     configured minimum period
     * @param payload the payload of each message (null is empty), at most the configured size
     * @throws ScheduleRejectedException naming actor, timer and the rule or limit it broke
     */
    void setTimer(ActorId actor, String name, String operation, Duration delay, Duration period, byte[] payload);

    /** Cancels the actor's timer of this name; returns whether there was one. */
    boolean cancelTimer(ActorId actor, String name);

    /** The names of the actor's timers, sorted. */
    List<String> timers(ActorId actor);
}
