package dev.kelpie.api.actor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when an actor becomes active and when it stops being active (passivated, discarded after a trap or
 * timeout, or shut down). In OSGi, register it as a service: the runtime picks every one up (and drops it
 * when it goes away).
 *
 * <p>The runtime calls it on the actor's worker thread, in order with the actor's turns, so it must be short
 * and must not wait for actors. What it throws is logged and otherwise ignored.
 */
@ConsumerType
public interface ActorLifecycleListener {
    /** The actor was activated; its on-activate hook runs next. */
    default void activated(ActorId actor) {}

    /** The actor is no longer active: the activation's last turn has ended. */
    default void passivated(ActorId actor) {}
}
