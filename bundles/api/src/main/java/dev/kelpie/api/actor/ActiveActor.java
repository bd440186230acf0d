package dev.kelpie.api.actor;

import java.time.Instant;

/**
 * An active actor, as listed by the runtime.
 *
 * @param id the actor
 * @param runsOn the module hash (short) or {@code native}
 * @param queued messages waiting in its mailbox
 * @param turns messages it handled in this activation
 * @param activatedAt when it was activated
 * @param lastActiveAt when it last finished a turn
 * @param memoryPages its guest memory in 64 KiB pages (0 for native actors)
 */
public record ActiveActor(ActorId id, String runsOn, int queued, long turns, Instant activatedAt, Instant lastActiveAt, int memoryPages) {}
