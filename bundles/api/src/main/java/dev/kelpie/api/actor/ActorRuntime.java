package dev.kelpie.api.actor;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The virtual actor runtime: one activation per {@link ActorId} at a time, activated on its first
 * message, one message at a time through a bounded mailbox, passivated when idle.
 */
@ProviderType
public interface ActorRuntime {

    /** A reference to an actor; the actor's type need not be deployed yet. */
    ActorRef ref(ActorId id);

    default ActorRef ref(String type, String id) {
        return ref(new ActorId(type, id));
    }

    /**
     * Sends one message to the actor's activation on this runtime, never through a cluster's router: how a
     * cluster member runs a message routed to it by another member. Without a cluster the same as
     * {@code ref(id).invoke(operation, payload)}.
     */
    default CompletionStage<byte[]> invokeLocal(ActorId id, String operation, byte[] payload) {
        return ref(id).invoke(operation, payload);
    }

    /**
     * {@link #invokeLocal(ActorId, String, byte[])} for a message an actor on another member sent from inside
     * its turn: {@code callChain} (the outermost actor first, the sender last) are the actors waiting for this
     * message, so the actor calling back into one of them is refused with
     * {@link ActorInvocationException.Reason#CALL_CYCLE} as on one member. Without chains: the same as
     * {@code invokeLocal(id, operation, payload)}.
     */
    default CompletionStage<byte[]> invokeLocal(ActorId id, String operation, byte[] payload, List<ActorId> callChain) {
        return invokeLocal(id, operation, payload);
    }

    /**
     * Deploys an actor type, or replaces the one with the same name: a replaced WASM type hot-swaps
     * (turns in flight finish on the old code, later messages run on the new code, state carries over).
     *
     * @throws IllegalArgumentException when a WASM type's module is not installed in the registry
     */
    void deploy(ActorType type);

    /**
     * Removes an actor type: its active actors are passivated (their state is already durable) and
     * messages still queued for them fail with {@link ActorInvocationException.Reason#SHUT_DOWN}.
     *
     * @return whether the type was deployed
     */
    boolean undeploy(String typeName);

    /**
     * Pauses an actor type for a code update: each of its actors finishes the turn in flight and is
     * passivated (its state is durable); messages for the type wait in their mailboxes, and new ones are
     * accepted, until the type is {@link #deploy deployed} again (they then run on the new code) or
     * {@link #undeploy undeployed} (they then fail with {@link ActorInvocationException.Reason#SHUT_DOWN}).
     *
     * @return whether the type was deployed
     */
    boolean suspend(String typeName);

    /**
     * The limits types get when their deployment sets none (a module bundle's header, the shell's install):
     * {@link ActorLimits#DEFAULTS} unless the runtime is configured otherwise.
     */
    ActorLimits defaultLimits();

    List<ActorType> types();

    Optional<ActorType> type(String name);

    /** Actors active now, by id. */
    List<ActiveActor> actors();

    /**
     * Passivates one actor after the messages already queued for it.
     *
     * @return completes with whether the actor was active
     */
    CompletionStage<Boolean> deactivate(ActorId id);

    List<ActorTypeStats> stats();

    Optional<ActorTypeStats> stats(String typeName);

    /**
     * Latency of the state store's commits of turns' writes so far (for metrics), or empty when the
     * implementation does not measure it.
     */
    default Optional<LatencyStats> storeCommitLatency() {
        return Optional.empty();
    }

    /** The linear-memory budget all active WASM actors share, in bytes, or empty when there is none. */
    default OptionalLong memoryBudgetBytes() {
        return OptionalLong.empty();
    }

    /** The bytes of the {@link #memoryBudgetBytes memory budget} active actors hold now, or empty without one. */
    default OptionalLong memoryBudgetUsedBytes() {
        return OptionalLong.empty();
    }
}
