package dev.kelpie.shell;

import dev.kelpie.api.actor.ActorLimits;
import java.util.function.BiFunction;

/**
 * The limit options of {@code kelpie:install} ({@code --timeout --memory --mailbox --payload --idle}) as typed,
 * empty when not given; parsed with the notation of the {@code Kelpie-Module} header
 * ({@link ActorLimits#parseDuration}, {@link ActorLimits#parseSize}).
 */
record LimitOptions(String timeout, String memory, String mailbox, String payload, String idle) {
    static final LimitOptions NONE = new LimitOptions("", "", "", "", "");

    boolean isEmpty() {
        return blank(timeout) && blank(memory) && blank(mailbox) && blank(payload) && blank(idle);
    }

    /** {@code base} with the given options set; a bad value fails naming the option. */
    ActorLimits applyTo(ActorLimits base) {
        ActorLimits limits = base;
        limits = set(limits, "--timeout", timeout, (l, v) -> l.withInvocationTimeout(ActorLimits.parseDuration(v)));
        limits = set(limits, "--memory", memory, (l, v) -> l.withMaxMemoryBytes(ActorLimits.parseSize(v)));
        limits = set(limits, "--mailbox", mailbox, (l, v) -> l.withMailboxCapacity(count(v)));
        limits = set(limits, "--payload", payload, (l, v) -> l.withMaxPayloadBytes(payloadBytes(v)));
        limits = set(limits, "--idle", idle, (l, v) -> l.withIdleTimeout(ActorLimits.parseDuration(v)));
        return limits;
    }

    private static ActorLimits set(ActorLimits limits, String option, String value,
            BiFunction<ActorLimits, String, ActorLimits> setter) {
        if (blank(value)) {
            return limits;
        }
        try {
            return setter.apply(limits, value.trim());
        } catch (IllegalArgumentException e) {
            throw new CommandException("invalid " + option + " " + value + ": " + e.getMessage());
        }
    }

    private static int payloadBytes(String text) {
        long bytes = ActorLimits.parseSize(text);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is over the largest payload limit of "
                    + Integer.MAX_VALUE + " bytes");
        }
        return (int) bytes;
    }

    private static int count(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number like 100");
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
