package dev.kelpie.api.actor;

import dev.kelpie.api.KelpieException;
import java.util.Locale;

/** An invocation of an actor failed; the message names the actor, the operation and the reason. */
public class ActorInvocationException extends KelpieException {
    private static final long serialVersionUID = 1L;

    /** Why an invocation failed. */
    public enum Reason {
        /** No actor type of that name is deployed. */
        UNKNOWN_TYPE,
        /** The actor's mailbox is full; the message was not queued. */
        MAILBOX_FULL,
        /** The payload is over the actor type's limit; the message was not queued. */
        PAYLOAD_TOO_LARGE,
        /** The operation name is empty or not valid UTF-8. */
        BAD_OPERATION,
        /** The actor could not be activated (module missing, instantiation or on-activate failed). */
        ACTIVATION_FAILED,
        /** The actor answered with an error. Its state changes of the turn were dropped. */
        ACTOR_ERROR,
        /** The actor trapped or broke the ABI; the turn was rolled back and the instance discarded. */
        TRAP,
        /** The turn ran past the invocation timeout; rolled back and the instance discarded. */
        TIMEOUT,
        /** The call would wait on itself: an actor calling itself or a cycle of calls. */
        CALL_CYCLE,
        /** The runtime (or the actor's type) shut down before the message ran. */
        SHUT_DOWN,
        /**
         * A runtime-wide resource limit refused the message: the shared memory budget could not fit the
         * actor's activation, or the turn wrote more state than a turn may. The turn was rolled back.
         */
        RESOURCE_EXHAUSTED,
        /**
         * The actor's member could not be reached in time, or the actor moved or was fenced off by a newer
         * activation (a cluster); whether the message ran may be unknown, as the detail says.
         */
        UNAVAILABLE
    }

    private final ActorId actor;
    private final String operation;
    private final Reason reason;
    private final String detail;

    public ActorInvocationException(ActorId actor, String operation, Reason reason, String detail, Throwable cause) {
        super(reason.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": actor " + actor + ", operation '" + operation
                + "': " + detail, cause);
        this.actor = actor;
        this.operation = operation;
        this.reason = reason;
        this.detail = detail;
    }

    public ActorInvocationException(ActorId actor, String operation, Reason reason, String detail) {
        this(actor, operation, reason, detail, null);
    }

    public ActorId actor() {
        return actor;
    }

    public String operation() {
        return operation;
    }

    public Reason reason() {
        return reason;
    }

    /** The reason's detail alone: the actor's error text, the limit, the cycle. */
    public String detail() {
        return detail;
    }

    /** A copy thrown from the waiting thread, keeping this one (from the actor's thread) as cause. */
    ActorInvocationException rethrown() {
        return new ActorInvocationException(actor, operation, reason, detail, this);
    }
}
