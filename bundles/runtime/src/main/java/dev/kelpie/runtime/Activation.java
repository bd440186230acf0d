package dev.kelpie.runtime;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.state.StaleEpochException;
import dev.kelpie.api.state.StateUnavailableException;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
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
    /** {@link #claimForCaller}: the caller owns the activation and runs its message itself. */
    static final int CLAIMED = 3;
    /** {@link #claimForCaller}: the message is queued for the pool (a worker still owns the activation). */
    static final int QUEUED = 4;
    /** At most this many messages per batch... */
    private static final int BATCH = 64;
    /** ...and a batch ends after the turn that takes it past this, so a slow actor holds a worker for one turn. */
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /**
     * What a buffer the guest hands the host may exceed the type's payload limit by: the headers of
     * {@code state/set} (key length and key) and {@code actors/call} (type, id and operation names).
     */
    static final int HOST_BUFFER_ALLOWANCE = 8 * 1024;
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int TIMING_OUT = 2;
    private static final int INTERRUPTED = 3;
    static final String ON_ACTIVATE = "kelpie_on_activate";
    static final String ON_DEACTIVATE = "kelpie_on_deactivate";
    private static final java.lang.invoke.VarHandle TURNS;
    private static final java.lang.invoke.VarHandle LAST_ACTIVE;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            TURNS = lookup.findVarHandle(Activation.class, "turns", long.class);
            LAST_ACTIVE = lookup.findVarHandle(Activation.class, "lastActiveNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ActorId id;
    private final KelpieActorRuntime runtime;
    private final ConcurrentLinkedDeque<Envelope> mailbox = new ConcurrentLinkedDeque<>();
    /** Messages waiting; -1 once retired from the directory (then senders look up a fresh activation). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Set while the activation is in the runtime's ready queue or a worker drains it. */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicInteger turnPhase = new AtomicInteger(IDLE);

    // worker-confined
    private Actor nativeActor;
    private TurnState turn;
    private Envelope current;
    private long droppedLinesSeen;
    /**
     * Completes (exceptionally when a commit failed) once every reply of this actor handed out so far
     * has been completed; null when none waits for a commit. Replies chain on it, so they complete in
     * turn order and never before the commit of an earlier turn they may have read.
     */
    private CompletableFuture<Void> replies;
    /** The batch whose completion {@link #replies} is, while a turn of the same commit may still join it. */
    private ReplyBatch openBatch;
    /** The epoch {@link dev.kelpie.api.state.StateStore#open} gave this activation (0: the store does not fence). */
    private long epoch;
    /** Whether the store was opened for this activation (and so must be closed when it ends). */
    private boolean opened;

    // written by the worker only, read by the watchdog and the listings
    private volatile DeployedType type;
    private volatile WapcInstance instance;
    private volatile ActorMemoryBudget.Account memory;
    private volatile long turns;
    volatile boolean active;
    volatile long lastActiveNanos = System.nanoTime();
    private volatile Instant activatedAt;
    /**
     * The thread and deadline of the turn in progress: plain fields, written before the release store of
     * {@code RUNNING} to {@link #turnPhase}; the watchdog reads them only after it read that phase.
     */
    private Thread turnThread;
    private long turnDeadlineNanos;
    /** The activation this one's turn is blocked on (a call to another actor), for cycle detection. */
    volatile Activation waitingFor;
    /**
     * Set (by whichever thread completes a commit) when the store refused a commit of this activation as
     * fenced off by a newer one, or could not say whether it applied it: the activation is then discarded
     * before its next turn, without its on-deactivate hook, and the next message activates it anew.
     */
    private volatile boolean fenced;

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

    /** Puts the activation in the runtime's ready queue unless it is there or being drained. */
    void schedule() {
        if (scheduled.compareAndSet(false, true) && !runtime.makeReady(this)) {
            // the workers are gone (shut down): fail what waits rather than leave it unrun
            scheduled.set(false);
            failQueued(new ActorInvocationException(id, "(queued)", Reason.SHUT_DOWN,
                    "the actor runtime shut down before this message ran"));
        }
    }

    /**
     * The caller-runs fast path's claim: queues {@code envelope} only if nothing else is queued (so it
     * never overtakes), then takes the scheduled flag the way {@link #schedule} does, but keeps it
     * instead of putting the activation in the ready queue.
     *
     * @return {@link #CLAIMED}: the caller must run {@link #drain(TurnSlot, Envelope)} itself;
     *     {@link #QUEUED}: a worker owns the activation and will run the message; {@link #RETIRED} or
     *     {@link #FULL}: nothing was queued (something is queued already, or the activation is retired)
     */
    int claimForCaller(Envelope envelope) {
        int q = queued.get();
        if (q != 0 || !queued.compareAndSet(0, 1)) {
            return q < 0 ? RETIRED : FULL;
        }
        mailbox.offerLast(envelope);
        return scheduled.compareAndSet(false, true) ? CLAIMED : QUEUED;
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

    /**
     * Runs one batch: up to {@link #BATCH} messages, ending early after the turn that takes the batch past
     * {@link #BATCH_NANOS}, or after {@code last}; then, if more wait, goes back to the tail of the ready
     * queue. Called by a worker that took this activation from the ready queue, or by a caller that
     * claimed it ({@link #claimForCaller}); {@code slot} shows the watchdog where the turns run.
     *
     * @param last the caller's own message, after which a caller stops; null for a worker
     */
    void drain(TurnSlot slot, Envelope last) {
        drain(slot, last, runtime.deployed(id.namespace()), System.nanoTime());
    }

    /**
     * {@link #drain(TurnSlot, Envelope)} with the type as looked up (once per batch; again only when a
     * deploy or undeploy superseded it) and the {@code nanoTime} of the batch's start (a caller passes
     * what it has from admitting its message).
     */
    void drain(TurnSlot slot, Envelope last, DeployedType current, long start) {
        if (slot.get() != this) {
            slot.lazySet(this); // the watchdog needs to see it within a tick, not at once
        }
        long now = start;
        try {
            for (int n = 0; n < BATCH; n++) {
                if (n > 0 && now - start > BATCH_NANOS) {
                    break;
                }
                Envelope e = mailbox.peekFirst();
                if (e == null) {
                    break;
                }
                if (current == null || current.superseded) {
                    current = runtime.deployed(id.namespace());
                }
                if (e.kind == Envelope.Kind.INVOKE && current != null && current.suspended) {
                    // held at the head until the type is deployed again (the deploy reschedules us). It is
                    // never taken out and put back: an urgent deactivation queued meanwhile stays in front.
                    runtime.testHooks.heldForSuspension(this);
                    break;
                }
                if (!mailbox.removeFirstOccurrence(e)) {
                    continue; // failed by the shutdown meanwhile
                }
                queued.decrementAndGet();
                now = process(e, current, now);
                if (e == last) {
                    break;
                }
            }
        } finally {
            slot.lazySet(null);
            scheduled.set(false);
        }
        runtime.testHooks.batchEnded(this);
        // Read after clearing the flag: a deploy, message or shutdown that found it set and so did not
        // schedule us is seen here; one that comes later schedules us itself.
        Envelope head = mailbox.peekFirst();
        if (head != null) {
            if (head.kind != Envelope.Kind.INVOKE || !runtime.isSuspended(id.namespace())) {
                schedule();
            }
        } else if (!active && queued.compareAndSet(0, -1)) {
            runtime.retire(this);
        }
    }

    /** Runs one message; {@code now} is a recent {@code nanoTime}. Returns the {@code nanoTime} at its end. */
    private long process(Envelope e, DeployedType current, long now) {
        try {
            if (e.kind == Envelope.Kind.DEACTIVATE) {
                e.deactivated.complete(passivate());
            } else {
                return handle(e, current, now);
            }
        } catch (Throwable t) {
            // never let one message kill the worker: fail it, discard the instance, log it, carry on
            try {
                discardInstance();
            } catch (Throwable ignored) {
                // the instance is dropped either way
            }
            runtime.log(System.Logger.Level.ERROR, "internal failure in actor " + id + ", operation '" + e.operation
                    + "': the message failed and the instance was discarded; the worker carries on", t);
            if (e.result != null) {
                e.result.completeExceptionally(new ActorInvocationException(id, e.operation, Reason.TRAP,
                        "internal failure: " + t, t));
            } else {
                e.deactivated.completeExceptionally(t);
            }
        }
        return System.nanoTime();
    }

    // ---- turns ----

    /**
     * Runs one invocation: activates first if needed, then the turn, then commits its state. One
     * {@code nanoTime} at the end of the turn serves the idle clock, the latency and the next turn's
     * deadline; {@code now} (the previous one) starts this turn's deadline unless activation came first.
     */
    private long handle(Envelope e, DeployedType current, long now) {
        if (runtime.refusingTurns()) {
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.SHUT_DOWN,
                    "the actor runtime shut down before this message ran"), null, System.nanoTime());
            return System.nanoTime();
        }
        if (current == null) {
            passivate();
            long end = System.nanoTime();
            complete(e, null, new ActorInvocationException(id, e.operation, Reason.SHUT_DOWN,
                    "actor type '" + id.namespace() + "' is not deployed any more"), null, end);
            return end;
        }
        if (active && fenced) {
            discardFenced();
            now = System.nanoTime();
        }
        if (active && type != current) {
            if (type.sameCodeAs(current)) {
                type = current;
            } else {
                passivate(); // hot swap: the old code's on-deactivate, then activate the new code
                now = System.nanoTime();
            }
        }
        if (!active) {
            if (!activate(current, e)) {
                return System.nanoTime();
            }
            now = System.nanoTime();
        }
        CompletableFuture<Void> earlier = replies;
        if (earlier != null && earlier.isDone()) {
            // known before this turn reads anything: what failed was not applied, nothing to wait for
            replies = null;
            openBatch = null;
        }
        byte[] response = null;
        Throwable failure = null;
        this.turn = null; // never a TurnState left by a turn that an Error ended: made on the first state() call
        this.current = e;
        beginTurn(now + type.invocationTimeoutNanos);
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
            this.current = null;
            if (timedOut) {
                failure = new TimedOut();
            }
        }
        TurnState state = this.turn;
        this.turn = null;
        TURNS.setRelease(this, turns + 1); // written by the turn's thread only; read by listings
        long end = System.nanoTime();
        LAST_ACTIVE.setRelease(this, end);
        collectDroppedLines();
        ResourceExhausted overLimit = state == null ? null : state.overLimit();
        if (overLimit != null && !(failure instanceof TimedOut)) {
            if (failure != null) {
                translate(e.operation, failure); // discards the instance if the failure calls for it
            }
            failure = overLimit; // whatever the actor answered, a turn past the write cap does not commit
        }
        CompletableFuture<Void> durable = null;
        long commitStart = 0;
        if (failure == null && state != null) {
            try {
                commitStart = state.hasWrites() ? System.nanoTime() : 0;
                durable = state.commitAsync(); // refuses a turn past the write cap; null when it wrote nothing
            } catch (RuntimeException commitFailure) {
                failure = commitFailure;
            }
        }
        if (failure == null) {
            completeWhenDurable(e, response, durable, commitStart, end);
            return end;
        }
        complete(e, null, translate(e.operation, failure), failure instanceof TimedOut ? Reason.TIMEOUT : null, end);
        return end;
    }

    /**
     * Completes a successful turn's reply once its own commit (null: it wrote nothing) and every earlier
     * reply of this actor are done: acknowledged ⇒ durable, in turn order. When a commit fails, its reply
     * and every later one chained here fail: those turns ran while it was pending and may have read its
     * changes (a turn that starts after the failure is known reads the store as it is, see handle).
     *
     * <p>Consecutive turns whose commits share one group commit (the same future) share one
     * {@link ReplyBatch}: one callback completes their replies in turn order, instead of a chain of futures
     * per turn on the committer's thread.
     */
    private void completeWhenDurable(Envelope e, byte[] response, CompletableFuture<Void> durable, long commitStart,
            long end) {
        CompletableFuture<Void> before = replies;
        if (before != null && before.isDone() && !before.isCompletedExceptionally()) {
            before = null;
        }
        if (before == null && (durable == null || durable.isDone() && !durable.isCompletedExceptionally())) {
            replies = null; // nothing to wait for (no writes, or a synchronous store)
            openBatch = null;
            if (durable != null) {
                runtime.commitLatency().record(System.nanoTime() - commitStart);
            }
            complete(e, response, null, null, end);
            return;
        }
        ReplyBatch.Entry entry = new ReplyBatch.Entry(e, response, durable != null, commitStart);
        ReplyBatch open = openBatch;
        if (before != null && open != null && (durable == null || durable == open.durable) && open.add(entry)) {
            return; // completes with the open batch: the same commit, and every earlier reply before it
        }
        ReplyBatch batch = new ReplyBatch(durable);
        batch.add(entry);
        if (durable != null) {
            durable.whenComplete((v, t) -> committed(batch, t));
        }
        CompletableFuture<Void> gate = before == null ? durable : durable == null ? before : before.thenCompose(v -> durable);
        replies = gate.whenComplete((v, failed) -> completeBatch(batch, failed));
        openBatch = batch;
    }

    /**
     * The commit of a batch's turns completed (on the store's thread): closes the batch to later turns,
     * times the writing turns' commits for {@link KelpieActorRuntime#storeCommitLatency}, and marks the
     * activation fenced when the store refused it as stale.
     */
    private void committed(ReplyBatch batch, Throwable failed) {
        java.util.List<ReplyBatch.Entry> entries = batch.close();
        if (failed == null) {
            long now = System.nanoTime();
            for (ReplyBatch.Entry x : entries) {
                if (x.wrote()) {
                    runtime.commitLatency().record(now - x.commitStart());
                }
            }
        } else if (fencing(failed)) {
            fenced = true;
        }
    }

    /** Completes a batch's replies in turn order, each with its response or the commit's failure. */
    private void completeBatch(ReplyBatch batch, Throwable failed) {
        java.util.List<ReplyBatch.Entry> entries = batch.close();
        if (failed != null && fencing(failed)) {
            fenced = true; // before the callers hear of it, so their next message finds it
        }
        long now = System.nanoTime(); // the latency recorded includes the wait for the commit
        Throwable first = null;
        for (ReplyBatch.Entry x : entries) {
            try {
                if (failed == null) {
                    complete(x.envelope(), x.response(), null, null, now);
                } else {
                    complete(x.envelope(), null, commitFailed(x.envelope().operation, failed, !x.wrote()), null, now);
                }
            } catch (RuntimeException | Error t) {
                first = first == null ? t : first; // the other replies still complete
            }
        }
        if (first instanceof Error err) {
            throw err;
        }
        if (first != null) {
            throw (RuntimeException) first;
        }
    }

    private ActorInvocationException commitFailed(String operation, Throwable failed, boolean readOnly) {
        Throwable cause = failed instanceof java.util.concurrent.CompletionException && failed.getCause() != null
                ? failed.getCause() : failed;
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new ActorInvocationException(id, operation, fencing(cause) ? Reason.UNAVAILABLE : Reason.ACTOR_ERROR, (readOnly
                ? "the state commit of an earlier turn of this actor failed, and this turn may have read its changes: "
                : "the turn's state changes were not committed: ") + message, cause);
    }

    /**
     * Waits, bounded, until every reply handed out has been completed (passivation: a later activation of
     * this actor must not acknowledge what it reads before the commit of it).
     */
    private void awaitReplies(long deadlineNanos) {
        CompletableFuture<Void> r = replies;
        if (r == null) {
            return;
        }
        try {
            r.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException ignored) {
            // the failure went to the replies; a commit that hangs fails them by the store's own bound
        }
        replies = null;
        openBatch = null;
    }

    /** Commits the turn's writes and waits for them, timing the store's commit when there are any. */
    private void commit(TurnState state) {
        long maxWait = type.invocationTimeoutNanos;
        if (!state.hasWrites()) {
            state.commit(maxWait); // still refuses a turn past the write cap
            return;
        }
        long start = System.nanoTime();
        try {
            state.commit(maxWait);
        } catch (RuntimeException e) {
            if (fencing(e)) {
                fenced = true;
            }
            throw e;
        }
        runtime.commitLatency().record(System.nanoTime() - start);
    }

    /**
     * Whether a commit failure means the activation can no longer be trusted to commit: fenced off by a
     * newer activation, or its outcome unknown (the store could not be reached in time).
     */
    private static boolean fencing(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof StaleEpochException || t instanceof StateUnavailableException;
    }

    /**
     * Discards an activation that the store fenced off (see {@link #fenced}): waits, bounded, for the replies
     * chained on the refused commit (they fail with it), then drops the instance without on-deactivate,
     * whose state changes could not commit.
     */
    private void discardFenced() {
        awaitReplies(System.nanoTime() + type.invocationTimeoutNanos);
        runtime.log(System.Logger.Level.INFO, "actor " + id + " (epoch " + epoch + ") was fenced off by a newer "
                + "activation or lost track of its state's commits; this activation is discarded");
        discardInstance();
    }

    private TurnState newTurnState(String operation) {
        return new TurnState(id, operation, runtime.store(), epoch, type.type.limits().maxPayloadBytes(),
                runtime.maxTurnWriteBytes());
    }

    /** Maps what a turn threw to the invocation's failure; discards the instance when it can't be trusted. */
    private ActorInvocationException translate(String operation, Throwable failure) {
        if (failure instanceof TimedOut) {
            discardInstance();
            return new ActorInvocationException(id, operation, Reason.TIMEOUT, "the turn ran past the invocation timeout of "
                    + type.type.limits().invocationTimeout().toMillis() + " ms; its state changes were rolled back and the "
                    + "instance discarded");
        }
        if (failure instanceof ResourceExhausted) {
            return new ActorInvocationException(id, operation, Reason.RESOURCE_EXHAUSTED,
                    ((ResourceExhausted) failure).detail(), failure);
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

    private void complete(Envelope e, byte[] response, ActorInvocationException failure, Reason timeoutMark, long now) {
        DeployedType t = type != null ? type : runtime.deployed(id.namespace());
        if (t != null) {
            TypeStats s = t.stats;
            s.invocations.increment();
            if (failure != null) {
                s.failures.increment();
                s.failed(failure.reason());
                if (timeoutMark == Reason.TIMEOUT) {
                    s.timeouts.increment();
                }
            }
            s.recordLatency(now - e.enqueuedNanos);
        }
        if (failure == null) {
            e.result.complete(response);
        } else {
            e.result.completeExceptionally(failure);
        }
    }

    /**
     * Activates for {@code t}: instantiation (with the guest's start section, {@code _start},
     * {@code _initialize} and {@code wapc_init}) and on-activate together run under one invocation
     * timeout, enforced by the watchdog like a turn. On failure the message fails and nothing stays held.
     */
    private boolean activate(DeployedType t, Envelope e) {
        type = t;
        long timeoutMillis = t.type.limits().invocationTimeout().toMillis();
        long deadline = System.nanoTime() + t.invocationTimeoutNanos;
        ActorMemoryBudget.Account account = t.type.isWasm() ? runtime.memoryBudget().account() : null;
        WapcInstance created = null;
        Actor createdNative = null;
        Throwable failure = null;
        fenced = false;
        beginTurn(deadline);
        try {
            // before the first turn (on-activate), on this worker, under no lock; the store bounds it, and the
            // watchdog interrupts it at the activation's deadline like the rest of the activation
            epoch = runtime.store().open(id);
            opened = true;
            if (t.type.isWasm()) {
                created = instantiate(t, e.operation, account, deadline);
            } else {
                createdNative = t.type.nativeFactory().get();
                if (createdNative == null) {
                    throw new IllegalStateException("the native actor factory of type '" + t.name() + "' returned null");
                }
            }
        } catch (Throwable ex) {
            failure = ex;
        } finally {
            if (endTurn()) {
                failure = new TimedOut();
            }
        }
        if (failure != null) {
            if (created != null) {
                created.close();
            }
            if (account != null) {
                account.releaseAll();
            }
            closeStore();
            ActorInvocationException why;
            if (failure instanceof StateUnavailableException) {
                why = new ActorInvocationException(id, e.operation, Reason.UNAVAILABLE, "opening the actor's state "
                        + "failed: " + failure.getMessage(), failure);
            } else if (failure instanceof TimedOut) {
                why = new ActorInvocationException(id, e.operation, Reason.ACTIVATION_FAILED, "activation (instantiation, "
                        + "with the guest's start section, _start, _initialize and wapc_init) ran past the invocation "
                        + "timeout of " + timeoutMillis + " ms; the instance was discarded");
            } else if (failure instanceof ResourceExhausted) {
                why = new ActorInvocationException(id, e.operation, Reason.RESOURCE_EXHAUSTED,
                        ((ResourceExhausted) failure).detail(), failure);
            } else {
                if (failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError)) {
                    runtime.log(System.Logger.Level.ERROR, "activating actor " + id + " failed", failure);
                }
                String message = failure.getMessage();
                why = new ActorInvocationException(id, e.operation, Reason.ACTIVATION_FAILED,
                        message == null || message.isBlank() ? failure.toString() : message, failure);
            }
            complete(e, null, why, failure instanceof TimedOut ? Reason.TIMEOUT : null, System.nanoTime());
            return false;
        }
        instance = created;
        nativeActor = createdNative;
        memory = account;
        droppedLinesSeen = 0;
        activatedAt = Instant.now();
        turns = 0;
        active = true; // last: listings read the fields above once they see it
        t.stats.activations.increment();
        t.stats.active.incrementAndGet();
        runtime.activeCount().incrementAndGet();
        runtime.notifyLifecycle(id, true);
        Throwable hookFailure = runHook(true, deadline);
        if (hookFailure != null) {
            discardInstance();
            String why = hookFailure instanceof TimedOut
                    ? "on-activate ran past the invocation timeout of " + timeoutMillis + " ms (shared with instantiation); "
                            + "the instance was discarded"
                    : hookFailure.getMessage();
            complete(e, null, new ActorInvocationException(id, e.operation, fencing(hookFailure) ? Reason.UNAVAILABLE
                    : Reason.ACTIVATION_FAILED, "on-activate failed: " + why, hookFailure),
                    hookFailure instanceof TimedOut ? Reason.TIMEOUT : null,
                    System.nanoTime());
            return false;
        }
        return true;
    }

    /**
     * Instantiates a WASM actor drawing on the runtime's memory budget. When the budget refuses, the
     * least recently used idle actors are passivated to make room and instantiation is tried once more.
     */
    private WapcInstance instantiate(DeployedType t, String operation, ActorMemoryBudget.Account account, long deadline) {
        InstanceOptions options = InstanceOptions.labelled(id.toString())
                .withMaxMemoryBytes(t.type.limits().maxMemoryBytes())
                .withCallerContext(this)
                .withHostNamespaces(t.hostNamespaces)
                .withMemoryBudget(account)
                .withGuestEnvironment(t.type.environment())
                .withMaxPayloadBytes((int) Math.min(Integer.MAX_VALUE,
                        (long) t.type.limits().maxPayloadBytes() + HOST_BUFFER_ALLOWANCE));
        try {
            return runtime.wapcHost().instantiate(t.compiled, options);
        } catch (ModuleInstantiationException first) {
            long refused = account.refusedBytes();
            if (refused == 0) {
                throw first; // not the budget
            }
            account.releaseAll();
            account.clearRefusal();
            ActorMemoryBudget budget = runtime.memoryBudget();
            int passivated = runtime.freeMemory(refused, this, deadline);
            if (passivated > 0 || budget.available() >= refused) {
                try {
                    return runtime.wapcHost().instantiate(t.compiled, options);
                } catch (ModuleInstantiationException second) {
                    if (account.refusedBytes() == 0) {
                        throw second;
                    }
                    refused = account.refusedBytes();
                    account.releaseAll();
                }
            }
            throw new ResourceExhausted(id, operation, "activating needs " + refused + " more bytes of linear memory, "
                    + "but the runtime's memory budget of " + budget.limit() + " bytes (max_total_memory_bytes) has "
                    + budget.available() + " bytes left" + (passivated > 0
                            ? " after passivating " + passivated + " idle actor(s)"
                            : "; no idle actor holds enough to make room"));
        }
    }

    /** Runs on-activate or on-deactivate as a turn of its own, until {@code deadline}; returns its failure or null. */
    private Throwable runHook(boolean activating, long deadline) {
        this.turn = null; // made on the hook's first state() call, if any
        this.current = Envelope.invoke(activating ? ON_ACTIVATE : ON_DEACTIVATE, new byte[0], Envelope.NO_CHAIN);
        Throwable failure = null;
        beginTurn(deadline);
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
            this.current = null;
        }
        TurnState state = this.turn;
        this.turn = null;
        if (failure == null && state != null) {
            try {
                commit(state);
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
        long deadline = System.nanoTime() + type.invocationTimeoutNanos;
        if (fenced) {
            discardFenced(); // its on-deactivate could not commit
            type.stats.passivations.increment();
            return true;
        }
        Throwable failure = runHook(false, deadline);
        awaitReplies(deadline);
        if (failure != null) {
            runtime.log(System.Logger.Level.WARNING, "on-deactivate of actor " + id + " failed; its state changes were dropped: "
                    + (failure instanceof TimedOut ? "it ran past the invocation timeout" : failure.getMessage()));
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
        collectDroppedLines();
        WapcInstance i = instance;
        instance = null;
        nativeActor = null;
        if (i != null) {
            i.close();
        }
        ActorMemoryBudget.Account m = memory;
        memory = null;
        if (m != null) {
            m.releaseAll(); // whatever the instance did not give back itself
        }
        if (active) {
            active = false;
            type.stats.active.decrementAndGet();
            runtime.activeCount().decrementAndGet();
            runtime.notifyLifecycle(id, false);
        }
        closeStore();
    }

    /** Tells the store this activation's epoch is over (once; a store's failure here is only logged). */
    private void closeStore() {
        if (!opened) {
            return;
        }
        opened = false;
        try {
            runtime.store().close(id, epoch);
        } catch (RuntimeException ex) {
            runtime.log(System.Logger.Level.WARNING, "closing the state of actor " + id + " (epoch " + epoch
                    + ") failed: " + ex);
        }
    }

    // ---- timeouts: the watchdog interrupts a turn past its deadline ----

    /** Adds the output lines the instance dropped since last asked to its type's counter. */
    private void collectDroppedLines() {
        WapcInstance i = instance;
        DeployedType t = type;
        if (i == null || t == null) {
            return;
        }
        long dropped = i.droppedOutputLines();
        if (dropped > droppedLinesSeen) {
            t.stats.droppedOutputLines.add(dropped - droppedLinesSeen);
            droppedLinesSeen = dropped;
        }
    }

    /** Linear-memory bytes the instance holds from the runtime's budget (0 for native actors). */
    long memoryHeld() {
        ActorMemoryBudget.Account m = memory;
        return m == null ? 0 : m.held();
    }

    private void beginTurn(long deadlineNanos) {
        turnDeadlineNanos = deadlineNanos;
        turnThread = Thread.currentThread();
        turnPhase.lazySet(RUNNING); // a release store: the watchdog sees it, with the two above, within a tick
    }

    /**
     * Ends a turn; true if the watchdog timed it out (its interrupt is then absorbed here). The spin is
     * bounded: between its two phase changes the watchdog only interrupts the thread, and it sets the
     * second in a finally block.
     */
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
            try {
                Thread t = turnThread;
                if (t != null) {
                    t.interrupt();
                }
            } finally {
                turnPhase.set(INTERRUPTED);
            }
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
            Envelope e = current;
            if (e == null) {
                throw new IllegalStateException("actor " + id + " has no turn in progress: state is only reachable inside a turn");
            }
            t = newTurnState(e.operation); // lazily: a turn that never touches state makes none
            turn = t;
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

    /** A listing entry; reads only volatile fields (the worker may be changing them). */
    ActiveActor describe() {
        DeployedType t = type;
        WapcInstance i = instance;
        int pages = 0;
        if (i != null) {
            try {
                pages = i.memoryPages();
            } catch (RuntimeException closedMeanwhile) {
                // passivated while listed: no memory
            }
        }
        long idleNanos = System.nanoTime() - lastActiveNanos;
        Instant since = activatedAt;
        return new ActiveActor(id, t == null ? "?" : t.runsOn(), queued(), turns, since == null ? Instant.now() : since,
                Instant.now().minusNanos(Math.max(0, idleNanos)), pages);
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
