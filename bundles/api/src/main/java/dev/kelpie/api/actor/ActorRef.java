package dev.kelpie.api.actor;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A location-transparent reference to a virtual actor. Holding one costs nothing: the actor is
 * activated by its first message and passivated when idle.
 */
@ProviderType
public interface ActorRef {
    /** How long {@link #call(String, byte[])} waits when the implementation knows no better bound. */
    Duration DEFAULT_CALL_WAIT = Duration.ofMinutes(5);

    ActorId id();

    /**
     * Sends one message. The stage completes with the actor's response, or exceptionally with an
     * {@link ActorInvocationException} naming the actor, operation and reason.
     */
    CompletionStage<byte[]> invoke(String operation, byte[] payload);

    /**
     * Sends one message and waits a bounded time for the answer. The actor runtime's references wait at
     * most twice the actor type's invocation timeout (activation and turn have one each) plus the runtime's
     * allowance for time in the mailbox (configuration {@code call_wait_allowance_seconds}, 30 s by
     * default); other implementations at most {@link #DEFAULT_CALL_WAIT}.
     *
     * @throws ActorInvocationException when the invocation fails, or with {@link ActorInvocationException.Reason#TIMEOUT}
     *     when no answer came in time (the message may still run: its outcome is unknown)
     */
    default byte[] call(String operation, byte[] payload) {
        return call(operation, payload, DEFAULT_CALL_WAIT);
    }

    /**
     * Sends one message and waits at most {@code maxWait} for the answer.
     *
     * @throws ActorInvocationException when the invocation fails, or with {@link ActorInvocationException.Reason#TIMEOUT}
     *     when no answer came within {@code maxWait} or the waiting thread was interrupted (the message
     *     may still run: its outcome is unknown)
     * @throws IllegalArgumentException when {@code maxWait} is null, zero or negative
     */
    default byte[] call(String operation, byte[] payload, Duration maxWait) {
        if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, was " + maxWait);
        }
        String op = operation == null ? "" : operation;
        try {
            return invoke(operation, payload).toCompletableFuture().get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof ActorInvocationException) {
                ActorInvocationException cause = (ActorInvocationException) e.getCause();
                throw cause.rethrown();
            }
            throw new CompletionException(e.getCause());
        } catch (TimeoutException e) {
            throw new ActorInvocationException(id(), op, ActorInvocationException.Reason.TIMEOUT, "no answer within "
                    + maxWait.toMillis() + " ms; the message may still run: its outcome is unknown");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActorInvocationException(id(), op, ActorInvocationException.Reason.TIMEOUT,
                    "the caller was interrupted while waiting; the message may still run: its outcome is unknown");
        }
    }
}
