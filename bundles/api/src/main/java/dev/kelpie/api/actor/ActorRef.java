package dev.kelpie.api.actor;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A location-transparent reference to a virtual actor. Holding one costs nothing: the actor is
 * activated by its first message and passivated when idle.
 */
@ProviderType
public interface ActorRef {
    ActorId id();

    /**
     * Sends one message. The stage completes with the actor's response, or exceptionally with an
     * {@link ActorInvocationException} naming the actor, operation and reason.
     */
    CompletionStage<byte[]> invoke(String operation, byte[] payload);

    /**
     * Sends one message and waits for the answer (at most the actor type's invocation timeout plus the
     * time in the mailbox).
     *
     * @throws ActorInvocationException when the invocation fails
     */
    default byte[] call(String operation, byte[] payload) {
        try {
            return invoke(operation, payload).toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ActorInvocationException) {
                ActorInvocationException cause = (ActorInvocationException) e.getCause();
                throw cause.rethrown();
            }
            throw e;
        }
    }
}
