package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorId;
import java.util.concurrent.CompletableFuture;

/** One message in a mailbox: an invocation, or a request to passivate. */
final class Envelope {
    enum Kind { INVOKE, DEACTIVATE }

    final Kind kind;
    final String operation;
    final byte[] payload;
    /** Actors up the call stack of a call from inside a turn (for cycle detection), or empty. */
    final ActorId[] callChain;
    final long enqueuedNanos;
    final CompletableFuture<byte[]> result;
    /** For DEACTIVATE: completes with whether the actor was active. */
    final CompletableFuture<Boolean> deactivated;
    /** A deactivation that goes ahead of queued messages (suspension for a code update). */
    final boolean urgent;

    private Envelope(Kind kind, String operation, byte[] payload, ActorId[] callChain,
            CompletableFuture<byte[]> result, CompletableFuture<Boolean> deactivated, boolean urgent) {
        this.kind = kind;
        this.operation = operation;
        this.payload = payload;
        this.callChain = callChain;
        this.enqueuedNanos = System.nanoTime();
        this.result = result;
        this.deactivated = deactivated;
        this.urgent = urgent;
    }

    static Envelope invoke(String operation, byte[] payload, ActorId[] callChain) {
        return new Envelope(Kind.INVOKE, operation, payload, callChain, new CompletableFuture<>(), null, false);
    }

    static Envelope deactivate() {
        return new Envelope(Kind.DEACTIVATE, "(deactivate)", null, NO_CHAIN, null, new CompletableFuture<>(), false);
    }

    /** A deactivation ahead of every queued message. */
    static Envelope deactivateFirst() {
        return new Envelope(Kind.DEACTIVATE, "(deactivate)", null, NO_CHAIN, null, new CompletableFuture<>(), true);
    }

    static final ActorId[] NO_CHAIN = new ActorId[0];
}
