package dev.kelpie.runtime;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One actor's place in the directory: its mailbox, and while active, its WASM instance or native actor.
 * Messages are handled one at a time, in order, by whichever worker drains the mailbox; everything but
 * the mailbox and the volatile fields is touched only by that worker.
 */
final class Activation implements ActorContext {
    static final int OK = 0;
    static final int FULL = 1;
    static final int RETIRED = 2;
    private static final int BATCH = 64;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int TIMING_OUT = 2;
    private static final int INTERRUPTED = 3;
    static final String ON_ACTIVATE = "kelpie_on_activate";
    static final String ON_DEACTIVATE = "kelpie_on_deactivate";

    final ActorId id;
    private final KelpieActorRuntime runtime;
    private final ConcurrentLinkedDeque<Envelope> mailbox = new ConcurrentLinkedDeque<>();
    /** Messages waiting; -1 once retired from the directory (then senders look up a fresh activation). */
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicInteger turnPhase = new AtomicInteger(IDLE);
    private final Runnable drainTask = this::drain;

    // worker-confined
    private DeployedType type;
    private WapcInstance instance;
    private Actor nativeActor;
    private TurnState turn;
    private Envelope current;
    private long turns;

    volatile boolean active;
    volatile long lastActiveNanos = System.nanoTime();
    private volatile Instant activatedAt;
    private volatile Thread turnThread;
    private volatile long turnDeadlineNanos;
    /** The activation this one's turn is blocked on (a call to another actor), for cycle detection. */
    volatile Activation waitingFor;

    Activation(ActorId id, KelpieActorRuntime runtime) {
        this.id = id;
        this.runtime = runtime;
    }

    // ---- mailbox ----

    /** Queues a message. {@code OK}, {@code FULL} (nothing queued) or {@code RETIRED} (look up again). */
    int enqueue(Envelope envelope, int capacity) {
        while (true) {
            int q = queued.get();
            if (q < 0) {
                return RETIRED;
            }
            if (q >= capacity && envelope.kind == Envelope.Kind.INVOKE) {
                return FULL;
            }
            if (queued.compareAndSet(q, q + 1)) {
                break;
            }
        }
        if (envelope.kind == Envelope.Kind.DEACTIVATE && envelope.urgent) {
            mailbox.offerFirst(envelope);
        } else {
            mailbox.offerLast(envelope);
        }
        schedule();
        return OK;
    }

    void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            runtime.executor().execute(drainTask);
        }
    }

    /** Fails every message still queued (shutdown); the mailbox stays usable. */
    void failQueued(ActorInvocationException reason) {
        Envelope e;
        while ((e = mailbox.pollFirst()) != null) {
            queued.decrementAndGet();
            if (e.result != null) {
                e.result.completeExceptionally(new ActorInvocationException(id, e.operation, reason.reason(), reason.detail()));
            } else {
                e.deactivated.complete(false);
            }
        }
    }

    int queued() {
        return Math.max(0, queued.get());
    }

    private void drain() {
        try {
            for (int n = 0; n < BATCH; n++) {
                Envelope e = mailbox.pollFirst();
                if (e == null) {
                    break;
                }
                // one look-up of the type per message, shared by the suspension check and the turn
                DeployedType current = runtime.deployed(id.namespace());
                if (e.kind == Envelope.Kind.INVOKE && current != null && current.suspended) {
                    mailbox.offerFirst(e); // held until the type is deployed again; the deploy reschedules us
                    return;
                }
                queued.decrementAndGet();
                process(e, current);
            }
        } finally {
            scheduled.set(false);
        }
        if (!mailbox.isEmpty() && !(runtime.isSuspended(id.namespace()) && mailbox.peekFirst().kind == Envelope.Kind.INVOKE)) {
            schedule();
        } else if (!active && queued.compareAndSet(0, -1)) {
            runtime.retire(this);
        }
    }

    private void process(Envelope e, DeployedType current) {
        try {
            if (e.kind == Envelope.Kind.DEACTIVATE) {
                e.deactivated.complete(passivate());
            } else {
                handle(e, current);
            }
        } catch (Throwable t) {
            // never let one message kill the worker: fail it, discard the instance, carry on
            discardInstance();
            if (e.result != null) {
                e.result.completeExceptionally(new ActorInvocationException(id, e.operation, Reason.TRAP,
                        "internal failure: " + t, t));
            } else {
                e.deactivated.completeExceptionally(t);
            }
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                throw (VirtualMachineError) t;
            }
        }
    }

    // ---- turns ----

    private void handle(Envelope e, DeployedType current) {
        if (runtime.refusingTurns()) {
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.SHUT_DOWN,
                    "the actor runtime shut down before this message ran"), null);
            return;
        }
        if (current == null) {
            passivate();
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.SHUT_DOWN,
                    "actor type '" + id.namespace() + "' is not deployed any more"), null);
            return;
        }
        if (active && type != current) {
            if (type.sameCodeAs(current)) {
                type = current;
            } else {
                passivate(); // hot swap: the old code's on-deactivate, then activate the new code
            }
        }
        if (!active && !activate(current, e)) {
            return;
        }
        TurnState state = new TurnState(id, runtime.store(), type.type.limits().maxPayloadBytes());
        byte[] response = null;
        Throwable failure = null;
        this.turn = state;
        this.current = e;
        beginTurn();
        try {
            if (instance != null) {
                response = instance.invoke(e.operation, e.payload);
            } else {
                response = nativeActor.receive(this, e.operation, e.payload);
                if (response == null) {
                    response = new byte[0];
                }
            }
        } catch (Exception | StackOverflowError | LinkageError | AssertionError t) {
            failure = t;
        } finally {
            boolean timedOut = endTurn();
            this.turn = null;
            this.current = null;
            if (timedOut) {
                failure = new TimedOut();
            }
        }
        turns++;
        lastActiveNanos = System.nanoTime();
        if (failure == null) {
            try {
                state.commit();
            } catch (RuntimeException commitFailure) {
                failure = commitFailure;
            }
        }
        if (failure == null) {
            complete(e, response, null, null);
            return;
        }
        complete(e, null, translate(e.operation, failure), failure instanceof TimedOut ? Reason.TIMEOUT : null);
    }

    /** Maps what a turn threw to the invocation's failure; discards the instance when it can't be trusted. */
    private ActorInvocationException translate(String operation, Throwable failure) {
        if (failure instanceof TimedOut) {
            discardInstance();
            return new ActorInvocationException(id, operation, Reason.TIMEOUT, "the turn ran past the invocation timeout of "
                    + type.type.limits().invocationTimeout().toMillis() + " ms; its state changes were rolled back and the "
                    + "instance discarded");
        }
        if (failure instanceof GuestCallException) {
            GuestCallException g = (GuestCallException) failure;
            switch (g.kind()) {
                case GUEST_ERROR:
                    return new ActorInvocationException(id, operation, Reason.ACTOR_ERROR, g.detail(), g);
                case REFUSED:
                    return new ActorInvocationException(id, operation, Reason.BAD_OPERATION, g.detail(), g);
                default:
                    discardInstance();
                    return new ActorInvocationException(id, operation, Reason.TRAP,
                            g.getMessage() + "; state changes rolled back", g);
            }
        }
        if (failure instanceof ActorInvocationException) {
            // a native actor let a failed call to another actor escape: that is its error
            return new ActorInvocationException(id, operation, Reason.ACTOR_ERROR, failure.getMessage(), failure);
        }
        if (failure instanceof StackOverflowError || failure instanceof LinkageError || failure instanceof AssertionError) {
            discardInstance();
            return new ActorInvocationException(id, operation, Reason.TRAP, failure.toString(), failure);
        }
        String message = failure.getMessage();
        return new ActorInvocationException(id, operation, Reason.ACTOR_ERROR,
                message == null || message.isBlank() ? failure.getClass().getName() : message, failure);
    }

    private void complete(Envelope e, byte[] response, ActorInvocationException failure, Reason timeoutMark) {
        DeployedType t = type != null ? type : runtime.deployed(id.namespace());
        if (t != null) {
            TypeStats s = t.stats;
            s.invocations.increment();
            if (failure != null) {
                s.failures.increment();
                if (timeoutMark == Reason.TIMEOUT) {
                    s.timeouts.increment();
                }
            }
            s.recordLatency(System.nanoTime() - e.enqueuedNanos);
        }
        if (failure == null) {
            e.result.complete(response);
        } else {
            e.result.completeExceptionally(failure);
        }
    }

    private boolean activate(DeployedType t, Envelope e) {
        try {
            if (t.type.isWasm()) {
                InstanceOptions options = InstanceOptions.labelled(id.toString())
                        .withMaxMemoryBytes(t.type.limits().maxMemoryBytes())
                        .withCallerContext(this)
                        .withHostNamespaces(t.hostNamespaces);
                instance = runtime.wapcHost().instantiate(t.compiled, options);
            } else {
                nativeActor = t.type.nativeFactory().get();
                if (nativeActor == null) {
                    throw new IllegalStateException("the native actor factory of type '" + t.name() + "' returned null");
                }
            }
        } catch (RuntimeException | StackOverflowError ex) {
            instance = null;
            nativeActor = null;
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.ACTIVATION_FAILED, ex.getMessage(), ex), null);
            return false;
        }
        type = t;
        active = true;
        activatedAt = Instant.now();
        turns = 0;
        t.stats.activations.increment();
        t.stats.active.incrementAndGet();
        runtime.activeCount().incrementAndGet();
        Throwable hookFailure = runHook(true);
        if (hookFailure != null) {
            discardInstance();
            String why = hookFailure instanceof TimedOut ? "on-activate ran past the invocation timeout" : hookFailure.getMessage();
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.ACTIVATION_FAILED,
                    "on-activate failed: " + why, hookFailure), null);
            return false;
        }
        return true;
    }

    /** Runs on-activate or on-deactivate as a turn of its own; returns its failure or null. */
    private Throwable runHook(boolean activating) {
        TurnState state = new TurnState(id, runtime.store(), type.type.limits().maxPayloadBytes());
        this.turn = state;
        this.current = Envelope.invoke(activating ? ON_ACTIVATE : ON_DEACTIVATE, new byte[0], Envelope.NO_CHAIN);
        Throwable failure = null;
        beginTurn();
        try {
            if (instance != null) {
                instance.callExport(activating ? ON_ACTIVATE : ON_DEACTIVATE);
            } else if (activating) {
                nativeActor.onActivate(this);
            } else {
                nativeActor.onDeactivate(this);
            }
        } catch (Exception | StackOverflowError | LinkageError | AssertionError t) {
            failure = t;
        } finally {
            if (endTurn()) {
                failure = new TimedOut();
            }
            this.turn = null;
            this.current = null;
        }
        if (failure == null) {
            try {
                state.commit();
            } catch (RuntimeException commitFailure) {
                failure = commitFailure;
            }
        }
        return failure;
    }

    /** Passivates after the on-deactivate hook. Returns whether the actor was active. */
    boolean passivate() {
        if (!active) {
            return false;
        }
        Throwable failure = runHook(false);
        if (failure != null) {
            runtime.log(System.Logger.Level.WARNING, "on-deactivate of actor " + id + " failed; its state changes were dropped: "
                    + failure.getMessage());
        }
        release();
        type.stats.passivations.increment();
        return true;
    }

    /** Drops a broken instance without its on-deactivate hook. */
    private void discardInstance() {
        if (active) {
            release();
        }
        instance = null;
        nativeActor = null;
    }

    private void release() {
        WapcInstance i = instance;
        instance = null;
        nativeActor = null;
        if (i != null) {
            i.close();
        }
        if (active) {
            active = false;
            type.stats.active.decrementAndGet();
            runtime.activeCount().decrementAndGet();
        }
    }

    // ---- timeouts: the watchdog interrupts a turn past its deadline ----

    private void beginTurn() {
        turnDeadlineNanos = System.nanoTime() + type.type.limits().invocationTimeout().toNanos();
        turnThread = Thread.currentThread();
        turnPhase.set(RUNNING);
    }

    /** Ends a turn; true if the watchdog timed it out (its interrupt is then absorbed here). */
    private boolean endTurn() {
        if (turnPhase.compareAndSet(RUNNING, IDLE)) {
            turnThread = null;
            return false;
        }
        while (turnPhase.get() != INTERRUPTED) {
            Thread.onSpinWait();
        }
        Thread.interrupted();
        turnThread = null;
        turnPhase.set(IDLE);
        return true;
    }

    /** Called by the watchdog: interrupts the turn if it is past its deadline. */
    void checkDeadline(long now) {
        if (turnPhase.get() == RUNNING && now - turnDeadlineNanos > 0 && turnPhase.compareAndSet(RUNNING, TIMING_OUT)) {
            Thread t = turnThread;
            if (t != null) {
                t.interrupt();
            }
            turnPhase.set(INTERRUPTED);
        }
    }

    boolean inTurn() {
        return turnPhase.get() != IDLE;
    }

    // ---- ActorContext ----

    @Override
    public ActorId self() {
        return id;
    }

    @Override
    public ActorState state() {
        TurnState t = turn;
        if (t == null) {
            throw new IllegalStateException("actor " + id + " has no turn in progress: state is only reachable inside a turn");
        }
        return t;
    }

    @Override
    public String operation() {
        Envelope e = current;
        return e == null ? "" : e.operation;
    }

    @Override
    public byte[] call(ActorId target, String operation, byte[] payload) {
        Envelope e = current;
        if (e == null || Thread.currentThread() != turnThread) {
            throw new IllegalStateException("actor " + id + " can call other actors only from inside its own turn");
        }
        if (target.equals(id)) {
            throw new ActorInvocationException(target, operation, Reason.CALL_CYCLE,
                    "actor " + id + " calls itself; it would wait for its own turn to end");
        }
        for (ActorId up : e.callChain) {
            if (up.equals(target)) {
                throw new ActorInvocationException(target, operation, Reason.CALL_CYCLE, "call cycle: " + describeChain(e.callChain, target));
            }
        }
        Activation targetActivation = runtime.activationOf(target);
        waitingFor = targetActivation;
        try {
            for (Activation a = targetActivation == null ? null : targetActivation.waitingFor, prev = targetActivation;
                    a != null; prev = a, a = a.waitingFor) {
                if (a == this) {
                    throw new ActorInvocationException(target, operation, Reason.CALL_CYCLE, "call cycle: " + id + " → " + target
                            + " → … → " + prev.id + " → " + id + " (each waiting for the next)");
                }
            }
            ActorId[] chain = Arrays.copyOf(e.callChain, e.callChain.length + 1);
            chain[chain.length - 1] = id;
            CompletableFuture<byte[]> reply = runtime.send(target, operation, payload, chain);
            return await(reply, target, operation);
        } finally {
            waitingFor = null;
        }
    }

    private byte[] await(CompletableFuture<byte[]> reply, ActorId target, String operation) {
        long remaining = turnDeadlineNanos - System.nanoTime();
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() throws InterruptedException {
                    try {
                        reply.get(Math.max(1, turnDeadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (ExecutionException | TimeoutException ignored) {
                        // read below
                    }
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return reply.isDone();
                }
            });
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt(); // keep it: the watchdog's timeout must reach the guest
            throw new ActorInvocationException(target, operation, Reason.TIMEOUT,
                    "actor " + id + " was interrupted while waiting for " + target);
        }
        if (!reply.isDone()) {
            throw new ActorInvocationException(target, operation, Reason.TIMEOUT, "actor " + id + " waited "
                    + TimeUnit.NANOSECONDS.toMillis(Math.max(0, remaining)) + " ms for " + target + ", its own turn's time");
        }
        try {
            return reply.join();
        } catch (java.util.concurrent.CompletionException ce) {
            if (ce.getCause() instanceof ActorInvocationException) {
                throw (ActorInvocationException) ce.getCause();
            }
            throw ce;
        }
    }

    private String describeChain(ActorId[] chain, ActorId target) {
        StringBuilder b = new StringBuilder();
        for (ActorId a : chain) {
            b.append(a).append(" → ");
        }
        return b.append(id).append(" → ").append(target).toString();
    }

    ActiveActor describe() {
        DeployedType t = type;
        WapcInstance i = instance;
        long idleNanos = System.nanoTime() - lastActiveNanos;
        return new ActiveActor(id, t == null ? "?" : t.runsOn(), queued(), turns, activatedAt,
                Instant.now().minusNanos(Math.max(0, idleNanos)), i == null ? 0 : i.memoryPages());
    }

    /** Whether the actor is active, idle (no turn, nothing queued) and has been for longer than its idle timeout. */
    boolean idleLongerThanTimeout(long now) {
        DeployedType t = type;
        return active && t != null && !inTurn() && queued.get() == 0
                && now - lastActiveNanos > t.type.limits().idleTimeout().toNanos();
    }

    /** Marks a turn that the watchdog timed out. */
    private static final class TimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TimedOut() {
            super("timed out", null, false, false);
        }
    }
}
