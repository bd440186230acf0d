package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLifecycleListener;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.actor.LatencyStats;
import dev.kelpie.api.actor.MailboxFullException;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.api.module.CompiledModule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The virtual actor runtime. A directory maps each {@link ActorId} to at most one {@link Activation};
 * messages go through its bounded mailbox and are handled one at a time on a shared pool of workers. A
 * watchdog thread interrupts turns (and activations) past their timeout and passivates idle actors and,
 * past the cap on active actors, the least recently used ones.
 *
 * <p>Scheduling is fair: an actor with messages waits in one global FIFO ready queue; a worker takes the
 * oldest, runs one batch (at most 64 messages, ending after the turn that takes it past 2 ms) and puts
 * it back at the tail if more wait. Every pool task is the same "run the head of the ready queue", so
 * the pool's own task order (a worker runs its local tasks first) cannot let one actor overtake others:
 * an actor waits for at most about one turn per worker ahead of it. The pool stays a
 * {@link ForkJoinPool} because an actor waiting for another actor blocks through
 * {@link ForkJoinPool#managedBlock}, which adds a spare worker meanwhile.
 *
 * <p>Caller runs: a blocking {@link ActorRef#call} from a thread that is not a worker, to a WASM actor
 * with nothing queued and no worker on it, queues its message and claims the actor the way a worker
 * would, then runs the turn on its own thread (at most {@code caller_run_turns} callers at once): no
 * hand-off to a worker and no wake-up of the caller. Messages that arrive meanwhile wait in the mailbox
 * and go to the pool when the caller's turn ends.
 *
 * <p>The state store is the {@link StateStore} service the reference {@code store} binds: with several
 * (a cluster runs its clustered store beside the member's own MVStore) the configuration property
 * {@code store.target} picks one by filter, such as {@code (kelpie.store.name=cluster)} (the DS standard
 * target property of the reference); without it the highest-ranked one present when the runtime starts.
 *
 * <p>The watchdog checks deadlines only where turns can run (one {@link TurnSlot} per worker and per
 * caller slot), so idle actors cost it nothing per tick.
 */
@Component(service = ActorRuntime.class, configurationPid = KelpieActorRuntime.PID)
@Designate(ocd = KelpieActorRuntime.Config.class)
public final class KelpieActorRuntime implements ActorRuntime, AutoCloseable {
    public static final String PID = "dev.kelpie.runtime";
    private static final int MAX_OPERATION_CHARS = 1024;
    /** How much longer a call waits for a routed message than the router: the router's error names the member. */
    private static final long REMOTE_ANSWER_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long IDLE_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final System.Logger LOG = System.getLogger("kelpie.runtime");

    /** ConfigAdmin configuration of the runtime. */
    @ObjectClassDefinition(name = "Kelpie actor runtime")
    public @interface Config {
        @AttributeDefinition(description = "Worker threads for turns; 0 = one per processor")
        int workers() default 0;

        @AttributeDefinition(description = "Cap on active actors; least recently used idle ones are passivated past it")
        int max__active__actors() default 100_000;

        @AttributeDefinition(description = "Seconds close() lets queued messages drain before failing them")
        int shutdown__grace__seconds() default 10;

        @AttributeDefinition(description = "Default invocation timeout of a type, in milliseconds")
        long default__invocation__timeout__ms() default 30_000;

        @AttributeDefinition(description = "Default idle timeout of a type (passivation), in seconds")
        long default__idle__timeout__seconds() default 300;

        @AttributeDefinition(description = "Default cap on a WASM actor's memory, in bytes")
        long default__max__memory__bytes() default 256L << 20;

        @AttributeDefinition(description = "Default largest payload (and state value), in bytes")
        int default__max__payload__bytes() default 1 << 20;

        @AttributeDefinition(description = "Default mailbox capacity, in messages")
        int default__mailbox__capacity() default 10_000;

        @AttributeDefinition(description = "Linear memory all active WASM actors together may hold, in bytes; "
                + "0 = half the maximum heap, at most 1 GiB. An activation that does not fit passivates the least "
                + "recently used idle actors, then fails with RESOURCE_EXHAUSTED")
        long max__total__memory__bytes() default 0;

        @AttributeDefinition(description = "State bytes (keys and values) one turn may write; past it the turn "
                + "fails with RESOURCE_EXHAUSTED and is rolled back")
        long max__turn__write__bytes() default 16L << 20;

        @AttributeDefinition(description = "Seconds ActorRef.call waits beyond the type's invocation timeout "
                + "(time in the mailbox) before it fails with TIMEOUT")
        int call__wait__allowance__seconds() default 30;

        @AttributeDefinition(description = "Threads calling ActorRef.call that may at once run a turn of an idle WASM "
                + "actor themselves (the caller-runs fast path); 0 = off, -1 = as many as workers")
        int caller__run__turns() default -1;
    }

    private final ModuleRegistry registry;
    private final WapcHost wapcHost;
    private final StateStore store;
    private final RuntimeSettings settings;
    private final ConcurrentHashMap<ActorId, Activation> directory = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DeployedType> types = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TypeStats> statsByType = new ConcurrentHashMap<>();
    private final AtomicInteger activeCount = new AtomicInteger();
    private final ForkJoinPool executor;
    /** Activations with messages to run, oldest first; each entry has one pool task that will take it. */
    private final ConcurrentLinkedQueue<Activation> ready = new ConcurrentLinkedQueue<>();
    private final Runnable runReady = this::runReady;
    /** The turn slots of the live pool workers (each registers its own while it runs). */
    private final java.util.Set<TurnSlot> workerSlots = ConcurrentHashMap.newKeySet();
    /** The slots callers run turns in (the caller-runs fast path); empty when it is off. */
    private final TurnSlot[] callerSlots;
    /** How often idle actors are looked for: an eighth of the shortest idle timeout, 250 ms to 30 s. */
    private volatile long idleScanNanos = IDLE_SCAN_NANOS;
    private final CopyOnWriteArrayList<ActorLifecycleListener> lifecycleListeners = new CopyOnWriteArrayList<>();
    private final ActorMemoryBudget memoryBudget;
    private final LatencyRecorder commitLatency = new LatencyRecorder();
    private final Thread watchdog;
    volatile TestHooks testHooks = TestHooks.NONE;
    private volatile boolean closed;
    /** Set when the shutdown grace period is over: queued messages are failed instead of run. */
    private volatile boolean refusingTurns;
    /** Where messages go in a cluster (null: single-node, every message runs here). */
    private volatile ActorRouter router;

    @Activate
    public KelpieActorRuntime(@Reference ModuleRegistry registry, @Reference WapcHost wapcHost,
            @Reference(name = "store") StateStore store, Config config) {
        this(registry, wapcHost, store, new RuntimeSettings(
                config.workers() > 0 ? config.workers() : Runtime.getRuntime().availableProcessors(),
                config.max__active__actors(), RuntimeSettings.DEFAULTS.watchdogTick(),
                Duration.ofSeconds(config.shutdown__grace__seconds()),
                new ActorLimits(Duration.ofMillis(config.default__invocation__timeout__ms()),
                        config.default__max__memory__bytes(), config.default__max__payload__bytes(),
                        config.default__mailbox__capacity(), Duration.ofSeconds(config.default__idle__timeout__seconds())),
                config.max__total__memory__bytes() > 0 ? config.max__total__memory__bytes()
                        : RuntimeSettings.DEFAULT_MAX_TOTAL_MEMORY_BYTES,
                config.max__turn__write__bytes(), Duration.ofSeconds(config.call__wait__allowance__seconds()))
                .withCallerRunTurns(config.caller__run__turns()));
    }

    public KelpieActorRuntime(ModuleRegistry registry, WapcHost wapcHost, StateStore store, RuntimeSettings settings) {
        this.registry = registry;
        this.wapcHost = wapcHost;
        this.store = store;
        this.settings = settings;
        this.memoryBudget = new ActorMemoryBudget(settings.maxTotalMemoryBytes());
        AtomicInteger threads = new AtomicInteger();
        this.callerSlots = new TurnSlot[settings.callerRunSlots()];
        for (int i = 0; i < callerSlots.length; i++) {
            callerSlots[i] = new TurnSlot();
        }
        this.executor = new ForkJoinPool(settings.workers(),
                pool -> new TurnSlot.Worker(pool, "kelpie-actor-" + threads.incrementAndGet(), workerSlots), (t, e) -> LOG.log(System.Logger.Level.ERROR, "uncaught in " + t.getName() + " (the pool replaces it)", e), true);
        this.watchdog = new Thread(this::watch, "kelpie-watchdog");
        this.watchdog.setDaemon(true);
        this.watchdog.start();
    }

    // ---- ActorRuntime ----

    @Override
    public ActorRef ref(ActorId id) {
        if (id == null) {
            throw new IllegalArgumentException("actor id is null");
        }
        return new LocalActorRef(id);
    }

    @Override
    public void deploy(ActorType type) {
        if (type == null) {
            throw new IllegalArgumentException("actor type is null");
        }
        checkOpen();
        CompiledModule compiled = null;
        if (type.isWasm()) {
            compiled = registry.find(type.module()).orElseThrow(() -> new IllegalArgumentException(
                    "actor type '" + type.name() + "': module " + type.module() + " is not installed in the registry"));
        }
        TypeStats stats = statsByType.computeIfAbsent(type.name(), n -> new TypeStats());
        DeployedType previous = types.put(type.name(), new DeployedType(type, compiled, stats));
        if (previous != null) {
            previous.superseded = true;
        }
        updateIdleScan();
        if (previous != null && previous.suspended) {
            rescheduleType(type.name()); // messages held during the update now run on the new code
        }
    }

    /** The idle scan runs at an eighth of the shortest idle timeout deployed, every 250 ms to 30 s. */
    private void updateIdleScan() {
        long shortest = types.values().stream().mapToLong(t -> t.type.limits().idleTimeout().toNanos()).min()
                .orElse(Long.MAX_VALUE);
        idleScanNanos = Math.max(IDLE_SCAN_NANOS, Math.min(TimeUnit.SECONDS.toNanos(30), shortest / 8));
    }

    @Override
    public boolean suspend(String typeName) {
        DeployedType t = typeName == null ? null : types.get(typeName);
        if (t == null) {
            return false;
        }
        t.suspended = true;
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        for (Activation a : directory.values()) {
            if (a.id.namespace().equals(typeName)) {
                Envelope e = Envelope.deactivateFirst();
                if (a.enqueue(e, Integer.MAX_VALUE) == Activation.OK) {
                    done.add(e.deactivated);
                }
            }
        }
        awaitAll(done, t.type.limits().invocationTimeout().plusSeconds(5));
        return true;
    }

    boolean isSuspended(String typeName) {
        DeployedType t = types.get(typeName);
        return t != null && t.suspended;
    }

    private void rescheduleType(String typeName) {
        for (Activation a : directory.values()) {
            if (a.id.namespace().equals(typeName)) {
                a.schedule();
            }
        }
    }

    @Override
    public boolean undeploy(String typeName) {
        DeployedType removed = types.remove(typeName);
        if (removed == null) {
            return false;
        }
        removed.superseded = true;
        updateIdleScan();
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        for (Activation a : directory.values()) {
            if (a.id.namespace().equals(typeName)) {
                done.add(deactivate(a.id).toCompletableFuture());
            }
        }
        awaitAll(done, removed.type.limits().invocationTimeout().plusSeconds(5));
        rescheduleType(typeName); // messages held by a suspension now fail: the type is gone
        statsByType.remove(typeName);
        return true;
    }

    @Override
    public ActorLimits defaultLimits() {
        return settings.defaultLimits();
    }

    @Override
    public List<ActorType> types() {
        return types.values().stream().map(t -> t.type).sorted(Comparator.comparing(ActorType::name))
                .collect(Collectors.toList());
    }

    @Override
    public Optional<ActorType> type(String name) {
        DeployedType t = name == null ? null : types.get(name);
        return Optional.ofNullable(t == null ? null : t.type);
    }

    @Override
    public List<ActiveActor> actors() {
        return directory.values().stream().filter(a -> a.active).map(Activation::describe)
                .sorted(Comparator.comparing(ActiveActor::id)).collect(Collectors.toList());
    }

    @Override
    public CompletionStage<Boolean> deactivate(ActorId id) {
        Activation a = directory.get(id);
        if (a == null) {
            return CompletableFuture.completedFuture(false);
        }
        Envelope e = Envelope.deactivate();
        if (a.enqueue(e, Integer.MAX_VALUE) != Activation.OK) {
            return CompletableFuture.completedFuture(false); // retired meanwhile: not active
        }
        return e.deactivated;
    }

    @Override
    public List<ActorTypeStats> stats() {
        return types.values().stream().map(t -> t.stats.snapshot(t.name()))
                .sorted(Comparator.comparing(ActorTypeStats::type)).collect(Collectors.toList());
    }

    @Override
    public Optional<ActorTypeStats> stats(String typeName) {
        DeployedType t = typeName == null ? null : types.get(typeName);
        return Optional.ofNullable(t == null ? null : t.stats.snapshot(typeName));
    }

    @Override
    public Optional<LatencyStats> storeCommitLatency() {
        return Optional.of(commitLatency.snapshot());
    }

    @Override
    public OptionalLong memoryBudgetBytes() {
        return OptionalLong.of(memoryBudget.limit());
    }

    @Override
    public OptionalLong memoryBudgetUsedBytes() {
        return OptionalLong.of(memoryBudget.used());
    }

    LatencyRecorder commitLatency() {
        return commitLatency;
    }

    /** Actors active now. */
    public int activeActors() {
        return activeCount.get();
    }

    public String storeDescription() {
        return store.describe();
    }

    // ---- lifecycle listeners ----

    /** Adds a listener told of every later activation and passivation (in OSGi: each listener service). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addLifecycleListener(ActorLifecycleListener listener) {
        lifecycleListeners.addIfAbsent(listener);
    }

    public void removeLifecycleListener(ActorLifecycleListener listener) {
        lifecycleListeners.remove(listener);
    }

    /** Tells every listener; a listener's failure is logged and does not reach the actor. */
    void notifyLifecycle(ActorId id, boolean activated) {
        for (ActorLifecycleListener l : lifecycleListeners) {
            try {
                if (activated) {
                    l.activated(id);
                } else {
                    l.passivated(id);
                }
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "lifecycle listener " + l.getClass().getName() + " failed on "
                        + (activated ? "activation" : "passivation") + " of actor " + id, t);
            }
        }
    }

    // ---- cluster routing ----

    /**
     * Binds the cluster's router (in OSGi: the {@link ActorRouter} service, when there is one): from now on
     * each admitted message whose actor lives on another member is sent there.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    public void bindRouter(ActorRouter router) {
        this.router = router;
    }

    /** Unbinds the router if it is the bound one: messages run on this member again. */
    public void unbindRouter(ActorRouter router) {
        if (this.router == router) {
            this.router = null;
        }
    }

    @Override
    public CompletionStage<byte[]> invokeLocal(ActorId id, String operation, byte[] payload) {
        if (id == null) {
            throw new IllegalArgumentException("actor id is null");
        }
        return send(id, operation, payload, Envelope.NO_CHAIN, false);
    }

    @Override
    public CompletionStage<byte[]> invokeLocal(ActorId id, String operation, byte[] payload, List<ActorId> callChain) {
        if (id == null) {
            throw new IllegalArgumentException("actor id is null");
        }
        return send(id, operation, payload, callChain == null || callChain.isEmpty() ? Envelope.NO_CHAIN
                : callChain.toArray(new ActorId[0]), false);
    }

    /** The router's stage for an admitted message, or null when it runs here (no router, or a local actor). */
    private CompletableFuture<byte[]> routed(ActorRouter r, ActorId id, String op, byte[] payload, long waitNanos,
            ActorId[] callChain) {
        CompletionStage<byte[]> remote;
        try {
            remote = r.route(id, op, payload == null ? new byte[0] : payload, Duration.ofNanos(waitNanos),
                    callChain.length == 0 ? List.of() : List.of(callChain));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e instanceof ActorInvocationException ? e
                    : new ActorInvocationException(id, op, Reason.UNAVAILABLE, "the cluster router failed: " + e, e));
        }
        return remote == null ? null : remote.toCompletableFuture();
    }

    // ---- sending ----

    CompletableFuture<byte[]> send(ActorId id, String operation, byte[] payload, ActorId[] callChain) {
        return send(id, operation, payload, callChain, true);
    }

    private CompletableFuture<byte[]> send(ActorId id, String operation, byte[] payload, ActorId[] callChain, boolean route) {
        String op = operation == null ? "" : operation;
        DeployedType type;
        try {
            type = admit(id, op, payload);
        } catch (ActorInvocationException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        ActorRouter r = router;
        if (r != null && route) {
            CompletableFuture<byte[]> remote = routed(r, id, op, payload,
                    2 * type.invocationTimeoutNanos + settings.callWaitAllowance().toNanos(), callChain);
            if (remote != null) {
                return remote;
            }
        }
        return enqueue(id, type, Envelope.invoke(op, payload == null ? new byte[0] : payload.clone(), callChain));
    }

    /** Checks a message before it is queued; returns its type or throws why it is refused. */
    private DeployedType admit(ActorId id, String op, byte[] payload) {
        if (closed) {
            throw new ActorInvocationException(id, op, Reason.SHUT_DOWN, "the actor runtime is shut down");
        }
        testHooks.sendPassedOpenCheck();
        DeployedType type = types.get(id.namespace());
        if (type == null) {
            throw new ActorInvocationException(id, op, Reason.UNKNOWN_TYPE, "no actor type '" + id.namespace() + "' is deployed"
                    + (types.isEmpty() ? "" : " (deployed: " + String.join(", ", new java.util.TreeSet<>(types.keySet())) + ")"));
        }
        if (op.isEmpty() || op.length() > MAX_OPERATION_CHARS) {
            throw new ActorInvocationException(id, op, Reason.BAD_OPERATION, op.isEmpty() ? "the operation name is empty"
                    : "the operation name is longer than " + MAX_OPERATION_CHARS + " characters");
        }
        int length = payload == null ? 0 : payload.length;
        int maxPayload = type.type.limits().maxPayloadBytes();
        if (length > maxPayload) {
            type.stats.rejected.increment();
            type.stats.failed(Reason.PAYLOAD_TOO_LARGE);
            throw new ActorInvocationException(id, op, Reason.PAYLOAD_TOO_LARGE, "payload is " + length
                    + " bytes, over the limit of " + maxPayload + " bytes of type '" + id.namespace() + "'");
        }
        return type;
    }

    /** Queues an admitted message in the actor's mailbox (activating the directory entry if needed). */
    private CompletableFuture<byte[]> enqueue(ActorId id, DeployedType type, Envelope e) {
        String op = e.operation;
        int capacity = type.type.limits().mailboxCapacity();
        while (true) {
            Activation a = directory.computeIfAbsent(id, k -> new Activation(k, this));
            int r = a.enqueue(e, capacity);
            if (r == Activation.OK) {
                return e.result;
            }
            if (r == Activation.FULL) {
                type.stats.rejected.increment();
                type.stats.failed(Reason.MAILBOX_FULL);
                return CompletableFuture.failedFuture(new MailboxFullException(id, op, capacity));
            }
            directory.remove(id, a); // retired between lookup and enqueue: look up again
        }
    }

    /**
     * {@code ActorRef.call}: sends one message and waits at most {@code maxWaitNanos} for the answer. When
     * the caller may run the turn itself ({@link #runsOnCaller}) it does, and the answer is there when the
     * turn ends; otherwise the message goes through the mailbox and a worker as {@link #send} does.
     */
    byte[] call(ActorId id, String operation, byte[] payload, Duration maxWait) {
        String op = operation == null ? "" : operation;
        CompletableFuture<byte[]> reply;
        long waitNanos;
        try {
            DeployedType type = admit(id, op, payload);
            waitNanos = maxWait != null ? maxWait.toNanos()
                    : 2 * type.invocationTimeoutNanos + settings.callWaitAllowance().toNanos();
            ActorRouter r = router;
            CompletableFuture<byte[]> remote = r == null ? null : routed(r, id, op, payload, waitNanos, Envelope.NO_CHAIN);
            if (remote != null) {
                reply = remote;
                waitNanos += REMOTE_ANSWER_GRACE_NANOS; // the router's own UNAVAILABLE, naming the member, comes first
            } else {
                Envelope e = Envelope.invoke(op, payload == null ? new byte[0] : payload.clone(), Envelope.NO_CHAIN);
                reply = runsOnCaller(id, type, e, waitNanos) ? e.result : enqueue(id, type, e);
            }
        } catch (ActorInvocationException refused) {
            reply = CompletableFuture.failedFuture(refused);
            waitNanos = 1;
        }
        try {
            return reply.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof ActorInvocationException) {
                ActorInvocationException cause = (ActorInvocationException) e.getCause();
                // a new exception with the caller's stack, as ActorRef.call's default does
                throw new ActorInvocationException(cause.actor(), cause.operation(), cause.reason(), cause.detail(), cause);
            }
            throw new java.util.concurrent.CompletionException(e.getCause());
        } catch (TimeoutException e) {
            throw new ActorInvocationException(id, op, Reason.TIMEOUT, "no answer within "
                    + TimeUnit.NANOSECONDS.toMillis(waitNanos) + " ms; the message may still run: its outcome is unknown");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ActorInvocationException(id, op, Reason.TIMEOUT,
                    "the caller was interrupted while waiting; the message may still run: its outcome is unknown");
        }
    }

    /**
     * The caller-runs fast path. Taken only for a WASM actor (the watchdog's interrupt stops a guest, so
     * the caller's wait stays bounded; native code may ignore it), when the caller is not a worker and not
     * interrupted, its wait covers a passivation, an activation and a turn (3 × the invocation timeout),
     * a caller slot is free, and the actor has nothing queued and no worker on it. The caller then runs
     * the batch up to its own message on its own thread, under the same deadline, stats and budget as a
     * worker; messages that arrive meanwhile go to the pool when it ends.
     *
     * @return true when {@code e} was run here or queued (then its future completes as usual); false when
     *     nothing was done with it and it must be sent the ordinary way
     */
    private boolean runsOnCaller(ActorId id, DeployedType type, Envelope e, long waitNanos) {
        TurnSlot[] slots = callerSlots;
        if (slots.length == 0 || !type.type.isWasm() || waitNanos < 3 * type.invocationTimeoutNanos) {
            return false;
        }
        Thread caller = Thread.currentThread();
        if (caller instanceof TurnSlot.Worker || caller.isInterrupted()) {
            return false; // a worker waits through the pool; an interrupted caller gets its TIMEOUT at once
        }
        Activation a = directory.get(id);
        if (a == null) {
            a = directory.computeIfAbsent(id, k -> new Activation(k, this));
        }
        if (a.queued() != 0) {
            return false;
        }
        TurnSlot slot = null;
        int start = (int) (caller.getId() % slots.length);
        for (int i = 0; i < slots.length && slot == null; i++) {
            TurnSlot s = slots[(start + i) % slots.length];
            if (s.claim(a)) {
                slot = s;
            }
        }
        if (slot == null) {
            return false; // as many callers run turns as allowed: this one waits for a worker
        }
        int claimed = a.claimForCaller(e);
        if (claimed != Activation.CLAIMED) {
            slot.set(null);
            return claimed == Activation.QUEUED;
        }
        try {
            testHooks.callerRunClaimed(a);
            a.drain(slot, e, type, e.enqueuedNanos);
        } catch (Throwable t) {
            // drain fails its messages itself; as in runReady, nothing may leave the actor unscheduled
            slot.lazySet(null);
            log(System.Logger.Level.ERROR, "internal failure while a caller ran actor " + id, t);
            a.schedule();
            e.result.completeExceptionally(new ActorInvocationException(id, e.operation, Reason.TRAP,
                    "internal failure: " + t, t));
        }
        return true;
    }

    // ---- for activations ----

    boolean refusingTurns() {
        return refusingTurns;
    }

    DeployedType deployed(String typeName) {
        return types.get(typeName);
    }

    Activation activationOf(ActorId id) {
        return directory.get(id);
    }

    void retire(Activation a) {
        directory.remove(a.id, a);
    }

    /**
     * Puts an activation at the tail of the ready queue with a pool task to run it.
     *
     * @return false when the pool is shut down (nothing was queued)
     */
    boolean makeReady(Activation a) {
        ready.offer(a);
        try {
            executor.execute(runReady);
            return true;
        } catch (RejectedExecutionException shutDown) {
            ready.remove(a);
            return false;
        }
    }

    /** A pool task: runs one batch of the activation longest in the ready queue. */
    private void runReady() {
        Activation a = ready.poll();
        if (a == null) {
            return;
        }
        try {
            a.drain(((TurnSlot.Worker) Thread.currentThread()).slot, null);
        } catch (Throwable t) {
            // drain fails its messages itself; this is the last line so that no worker dies silently
            log(System.Logger.Level.ERROR, "internal failure while running actor " + a.id + "; the worker carries on", t);
            a.schedule();
        }
    }

    RuntimeSettings settings() {
        return settings;
    }

    ActorMemoryBudget memoryBudget() {
        return memoryBudget;
    }

    long maxTurnWriteBytes() {
        return settings.maxTurnWriteBytes();
    }

    /**
     * Makes room in the memory budget for {@code bytes}: passivates the least recently used idle actors
     * holding enough memory and waits for them until {@code deadlineNanos}. Called from a worker during an
     * activation (the wait lets the pool add a spare worker).
     *
     * @return how many actors it passivated (0 if the idle ones together could not make room)
     */
    int freeMemory(long bytes, Activation requester, long deadlineNanos) {
        long need = bytes - memoryBudget.available();
        if (need <= 0) {
            return 0;
        }
        List<Activation> idle = new ArrayList<>();
        long idleHeld = 0;
        for (Activation a : directory.values()) {
            long held = a.memoryHeld();
            if (a != requester && held > 0 && a.active && !a.inTurn() && a.queued() == 0) {
                idle.add(a);
                idleHeld += held;
            }
        }
        if (idleHeld < need) {
            return 0;
        }
        idle.sort(Comparator.comparingLong(a -> a.lastActiveNanos));
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        long freed = 0;
        for (Activation a : idle) {
            if (freed >= need) {
                break;
            }
            long held = a.memoryHeld();
            Envelope e = Envelope.deactivate();
            if (a.enqueue(e, Integer.MAX_VALUE) == Activation.OK) {
                done.add(e.deactivated);
                freed += held;
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(done.toArray(new CompletableFuture[0]));
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() throws InterruptedException {
                    try {
                        all.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.ExecutionException | TimeoutException ignored) {
                        // what was freed in time is what the retry gets
                    }
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return all.isDone();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the watchdog's timeout: the activation reports it
            throw new IllegalStateException("interrupted while idle actors were passivated to make memory room");
        }
        return done.size();
    }

    WapcHost wapcHost() {
        return wapcHost;
    }

    StateStore store() {
        return store;
    }

    AtomicInteger activeCount() {
        return activeCount;
    }

    void log(System.Logger.Level level, String message) {
        LOG.log(level, message);
    }

    void log(System.Logger.Level level, String message, Throwable t) {
        LOG.log(level, message, t);
    }

    // ---- watchdog ----

    private void watch() {
        long tickMillis = settings.watchdogTick().toMillis();
        long lastIdleScan = System.nanoTime();
        long lastCapCheck = lastIdleScan;
        while (!closed) {
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                return;
            }
            try {
                testHooks.watchdogTick();
                long now = System.nanoTime();
                // only where turns run: workers and caller slots, however many actors there are
                for (TurnSlot slot : workerSlots) {
                    checkDeadline(slot, now);
                }
                for (TurnSlot slot : callerSlots) {
                    checkDeadline(slot, now);
                }
                if (now - lastCapCheck > IDLE_SCAN_NANOS) {
                    lastCapCheck = now;
                    enforceActiveCap(); // visits the actors only when over the cap
                }
                if (now - lastIdleScan > idleScanNanos) {
                    lastIdleScan = now;
                    passivateIdle(now);
                }
            } catch (Throwable t) {
                // the watchdog must outlive anything (even an OutOfMemoryError): timeouts depend on it
                try {
                    LOG.log(System.Logger.Level.ERROR, "watchdog tick failed; it carries on", t);
                } catch (Throwable ignored) {
                    // nothing left to report with
                }
            }
        }
    }

    private void checkDeadline(TurnSlot slot, long now) {
        Activation a = slot.running();
        if (a != null) {
            testHooks.deadlineChecked(a);
            a.checkDeadline(now);
        }
    }

    private void passivateIdle(long now) {
        for (Activation a : directory.values()) {
            if (a.idleLongerThanTimeout(now)) {
                a.enqueue(Envelope.deactivate(), Integer.MAX_VALUE);
            }
        }
    }

    private void enforceActiveCap() {
        int over = activeCount.get() - settings.maxActiveActors();
        if (over <= 0) {
            return;
        }
        List<Activation> idle = new ArrayList<>();
        for (Activation a : directory.values()) {
            if (a.active && !a.inTurn() && a.queued() == 0) {
                idle.add(a);
            }
        }
        idle.sort(Comparator.comparingLong(a -> a.lastActiveNanos));
        for (int i = 0; i < Math.min(over, idle.size()); i++) {
            idle.get(i).enqueue(Envelope.deactivate(), Integer.MAX_VALUE);
        }
    }

    // ---- shutdown ----

    /**
     * Stops taking messages, lets queued ones drain for the grace period, fails what is left with
     * {@link Reason#SHUT_DOWN}, passivates every actor and stops the workers.
     */
    @Deactivate
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.interrupt();
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (System.nanoTime() < deadline && directory.values().stream().anyMatch(a -> a.queued() > 0 || a.inTurn())) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        refusingTurns = true;
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        for (Activation a : directory.values()) {
            done.add(deactivate(a.id).toCompletableFuture());
        }
        awaitAll(done, Duration.ofSeconds(5));
        // Whatever is still queued (behind a turn that would not end): fail it rather than leave callers hanging.
        for (Activation a : directory.values()) {
            a.failQueued(new ActorInvocationException(a.id, "(queued)", Reason.SHUT_DOWN,
                    "the actor runtime shut down before this message ran"));
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the actor runtime is shut down");
        }
    }

    private static void awaitAll(List<CompletableFuture<Boolean>> futures, Duration max) {
        try {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "not every actor passivated in time: " + e);
        }
    }

    /** A reference to an actor of this runtime. */
    private final class LocalActorRef implements ActorRef {
        private final ActorId id;

        LocalActorRef(ActorId id) {
            this.id = id;
        }

        @Override
        public ActorId id() {
            return id;
        }

        @Override
        public CompletionStage<byte[]> invoke(String operation, byte[] payload) {
            return send(id, operation, payload, Envelope.NO_CHAIN);
        }

        /**
         * Waits at most twice the type's invocation timeout (activation and turn have one each) plus the
         * configured allowance for the time in the mailbox. An idle WASM actor's turn may run on the
         * calling thread (see {@link KelpieActorRuntime}).
         */
        @Override
        public byte[] call(String operation, byte[] payload) {
            return KelpieActorRuntime.this.call(id, operation, payload, null);
        }

        @Override
        public byte[] call(String operation, byte[] payload, Duration maxWait) {
            if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
                throw new IllegalArgumentException("maxWait must be positive, was " + maxWait);
            }
            return KelpieActorRuntime.this.call(id, operation, payload, maxWait);
        }

        @Override
        public String toString() {
            return "ActorRef(" + id + ")";
        }
    }
}
