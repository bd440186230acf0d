package dev.kelpie.api.actor;

import java.time.Duration;

/**
 * Limits of one actor type.
 *
 * @param invocationTimeout longest a turn may run; past it the guest is interrupted and the turn rolled back
 * @param maxMemoryBytes cap on a WASM actor's linear memory
 * @param maxPayloadBytes largest request payload accepted (and largest state value)
 * @param mailboxCapacity messages that may wait for one actor
 * @param idleTimeout an actor with no message for this long is passivated
 */
public record ActorLimits(
        Duration invocationTimeout, long maxMemoryBytes, int maxPayloadBytes, int mailboxCapacity, Duration idleTimeout) {

    public static final ActorLimits DEFAULTS =
            new ActorLimits(Duration.ofSeconds(30), 256L << 20, 1 << 20, 10_000, Duration.ofMinutes(5));

    public ActorLimits {
        if (invocationTimeout == null || invocationTimeout.isNegative() || invocationTimeout.isZero()) {
            throw new IllegalArgumentException("invocationTimeout must be positive, was " + invocationTimeout);
        }
        if (maxMemoryBytes < 65536) {
            throw new IllegalArgumentException("maxMemoryBytes must be at least one 64 KiB page, was " + maxMemoryBytes);
        }
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes must not be negative, was " + maxPayloadBytes);
        }
        if (mailboxCapacity < 1) {
            throw new IllegalArgumentException("mailboxCapacity must be at least 1, was " + mailboxCapacity);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
        }
    }

    public ActorLimits withInvocationTimeout(Duration d) {
        return new ActorLimits(d, maxMemoryBytes, maxPayloadBytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMaxMemoryBytes(long bytes) {
        return new ActorLimits(invocationTimeout, bytes, maxPayloadBytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMaxPayloadBytes(int bytes) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, bytes, mailboxCapacity, idleTimeout);
    }

    public ActorLimits withMailboxCapacity(int capacity) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, maxPayloadBytes, capacity, idleTimeout);
    }

    public ActorLimits withIdleTimeout(Duration d) {
        return new ActorLimits(invocationTimeout, maxMemoryBytes, maxPayloadBytes, mailboxCapacity, d);
    }
}
