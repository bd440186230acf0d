package dev.kelpie.api.cluster;

import dev.kelpie.api.actor.ActorId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The actor runtime's routing seam: a cluster registers one, and the runtime asks it where each message
 * it admitted (type deployed, operation and payload within limits) is to run. Without one every message
 * runs on this member.
 */
@ProviderType
public interface ActorRouter {
    /**
     * Routes one message.
     *
     * @param maxWait how long the caller may wait for the answer (the runtime passes the bound its own
     *     references wait: twice the type's invocation timeout plus its call-wait allowance, or the
     *     caller's own)
     * @return null when the actor lives on this member (the runtime then runs the message itself, as
     *     without a cluster); otherwise the stage of the message's call on the actor's member, completing
     *     with the answer or exceptionally with an {@link dev.kelpie.api.actor.ActorInvocationException}:
     *     the owner's reason unchanged, or {@code UNAVAILABLE} naming the member when it could not be
     *     reached in time. The stage always completes within {@code maxWait} (plus scheduling slack).
     */
    CompletionStage<byte[]> route(ActorId id, String operation, byte[] payload, Duration maxWait);

    /**
     * Routes one message sent by an actor from inside its turn, with the chain of actors waiting for it (the
     * outermost first, the sending actor last): the actor's member rebuilds it, so a call back into an actor
     * of the chain is refused with {@link dev.kelpie.api.actor.ActorInvocationException.Reason#CALL_CYCLE}
     * there, as on one member. A router that does not carry chains routes as {@link #route(ActorId, String,
     * byte[], Duration)} does.
     *
     * @param callChain the waiting actors; empty for a message sent from outside any actor
     */
    default CompletionStage<byte[]> route(ActorId id, String operation, byte[] payload, Duration maxWait,
            List<ActorId> callChain) {
        return route(id, operation, payload, maxWait);
    }
}
