package dev.kelpie.api.actor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What an actor sees of the runtime during a turn. Host functions receive it as
 * {@link dev.kelpie.api.host.HostCall#callerContext(Class)} when a WASM actor calls the host.
 */
@ProviderType
public interface ActorContext {
    ActorId self();

    /** The actor's durable state; writes are buffered and committed when the turn succeeds. */
    ActorState state();

    /**
     * Calls another actor and waits for its answer, from inside this turn. Fails with
     * {@link ActorInvocationException.Reason#CALL_CYCLE} instead of waiting on itself.
     */
    byte[] call(ActorId target, String operation, byte[] payload);

    /** The operation of the message being handled. */
    String operation();
}
