package dev.kelpie.timers;

import dev.kelpie.api.actor.ActorId;
import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable reminders: a reminder is stored in the state store when {@link #setReminder} returns, and sends the actor a
 * message (an operation with a payload) when it is due, activating the actor if needed, after restarts and hot
 * swaps too, then again every period if it has one. It fires <em>at least once</em>: a one-shot reminder is
 * removed only after the actor handled its message, so a crash in between fires it again; while the type is
 * not deployed, the mailbox is full or the runtime shuts down, it is retried with a growing delay.
 *
 * <p>Setting a reminder from a turn does not wait for that turn: it is stored even if the turn fails.
 */
@ProviderType
public interface ActorReminders {
    /**
     * Sets (or replaces) the actor's reminder of this name and stores it durably.
     *
     * @param name 1 to 128 characters of {@code A-Z a-z 0-9 . _ -}
     * @param delay until it is due; zero or more
     * @param period between firings, or {@link Duration#ZERO} for a one-shot reminder; otherwise at least the
     *     configured minimum period
     * @param payload the payload of its message (null is empty), at most the configured size
     * @throws ScheduleRejectedException naming actor, reminder and the rule or limit it broke, or the store's
     *     failure
     */
    void setReminder(ActorId actor, String name, String operation, Duration delay, Duration period, byte[] payload);

    /** Cancels the actor's reminder of this name (durably); returns whether there was one. */
    boolean cancelReminder(ActorId actor, String name);

    /** The actor's reminders, by name. */
    List<Reminder> reminders(ActorId actor);

    /** Every reminder, by actor and name. */
    List<Reminder> reminders();
}
