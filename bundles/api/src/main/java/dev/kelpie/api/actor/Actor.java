package dev.kelpie.api.actor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A native Java actor. One instance serves one activation, one message at a time; it may keep fields
 * between messages of the same activation, and keeps what must survive in {@link ActorContext#state()}.
 */
@ConsumerType
public interface Actor {
    /**
     * Handles one message.
     *
     * @return the response bytes (null is taken as empty)
     * @throws Exception the invocation fails with {@link ActorInvocationException.Reason#ACTOR_ERROR}
     *     carrying the message, and the turn's state writes are dropped
     */
    byte[] receive(ActorContext context, String operation, byte[] payload) throws Exception;

    /** Called in the activation's first turn, before its first message. Throwing fails activation. */
    default void onActivate(ActorContext context) throws Exception {}

    /** Called in the activation's last turn, before it is passivated. State written here is kept. */
    default void onDeactivate(ActorContext context) throws Exception {}
}
