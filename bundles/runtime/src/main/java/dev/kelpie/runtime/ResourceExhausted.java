package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorId;

/**
 * A runtime-wide limit refused what a turn or an activation needed (the turn's state write bytes, the
 * shared memory budget). Reported as {@code RESOURCE_EXHAUSTED}; the message names actor, operation and
 * limit (it is also what a guest sees as the host error).
 */
final class ResourceExhausted extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String detail;

    ResourceExhausted(ActorId actor, String operation, String detail) {
        super("actor " + actor + ", operation '" + operation + "': " + detail);
        this.detail = detail;
    }

    /** The limit and what went past it, without actor and operation. */
    String detail() {
        return detail;
    }
}
