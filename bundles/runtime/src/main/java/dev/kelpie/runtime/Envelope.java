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

    private Envelope(Kind kind, String operation, byte[] payload, ActorId[] callChain,
            CompletableFuture<byte[]> result, CompletableFuture<Boolean> deactivated) {
        this.kind = kind;
        this.operation = operation;
        this.payload = payload;
        this.callChain = callChain;
        this.enqueuedNanos = System.nanoTime();
        this.result = result;
        this.deactivated = deactivated;
    }

    static Envelope invoke(String operation, byte[] payload, ActorId[] callChain) {
        return new Envelope(Kind.INVOKE, operation, payload, callChain, new CompletableFuture<>(), null);
    }

    static Envelope deactivate() {
        return new Envelope(Kind.DEACTIVATE, "(deactivate)", null, NO_CHAIN, null, new CompletableFuture<>());
    }

    static final ActorId[] NO_CHAIN = new ActorId[0];
}
