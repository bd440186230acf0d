package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.module.ModuleHash;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;

/**
 * What the extender does with module bundles. Framework callbacks only hand work over ({@link #started},
 * {@link #stopped}, {@link #updated}, {@link #uninstalled}) and return at once, like Felix SCR's extender,
 * so no framework thread ever waits for a suspension (which lasts until the turns in flight end, up to their
 * invocation timeout) and nothing is done under a lock inside a framework callback.
 *
 * <h2>Threads</h2>
 * The extender's own thread ({@code kelpie-extender}) takes every decision and holds all state. The slow part
 * of a bundle's deployment, reading its modules and deploying them (install or compile, the instantiation
 * check, {@code wapc_init}), runs on a bounded pool of deploy threads ({@code kelpie-extender-deploy-N}), so
 * several bundles deploy at once: at start, every bundle of {@code deploy/}. What stays as it was when one
 * thread did everything:
 * <ul>
 *   <li>Work for one bundle runs in the order the framework reported its events: while a bundle's deployment
 *       runs, its later events (a stop, an uninstall, a start again) wait for it, then run in order.
 *   <li>The outcome does not depend on timing: a bundle claims its actor types when its event is taken, in
 *       the order of the events; a bundle naming a type that another bundle's running deployment claimed
 *       waits for that deployment's outcome, then deploys or is refused exactly as after it.
 *   <li>Deployments are finished (logged, problems recorded, the bundle's later events run) in the order
 *       they began, so the log and {@link #problems} read as if the bundles had been deployed one after another.
 *   <li>A bundle's modules deploy one after another, as before (a failure rolls back the ones before it).
 * </ul>
 */
final class BundleDeployments {
    private static final System.Logger LOG = System.getLogger("kelpie.extender");
    /** How long an updated bundle's types wait at least for the new revision to start. */
    private static final long UPDATE_GRACE_MIN_MILLIS = 30_000;
    private static final int MAX_PROBLEMS = 100;
    /** Deploy threads when the configuration says 0: one per processor, at most this many. */
    static final int MAX_DEFAULT_DEPLOY_THREADS = 4;
    /** The most deploy threads the configuration may ask for. */
    static final int MAX_DEPLOY_THREADS = 64;
    /**
     * The suffix of a module's code compiled at build time, beside the module in the bundle
     * ({@code wasm/echo.wasm.compiled}); offered to the registry, which uses it only if it fits.
     */
    static final String COMPILED_SUFFIX = ".compiled";
    /** The most bytes of compiled code read for a module, as a multiple of the module size cap. */
    private static final int COMPILED_BYTES_PER_MODULE_BYTE = 8;

    /** What one active module bundle deployed. */
    record Deployment(long bundleId, String bundleName, List<String> types) {}

    private record Pending(Deployment deployment, ScheduledFuture<?> removal) {}

    /**
     * A deployment on a deploy thread: the bundle and the types it had before (a hot swap). {@code outcome}
     * is set on the extender's thread once the deploy thread is done.
     */
    private static final class Running {
        final long bundleId;
        final String bundleName;
        final List<String> before;
        Outcome outcome;

        Running(long bundleId, String bundleName, List<String> before) {
            this.bundleId = bundleId;
            this.bundleName = bundleName;
            this.before = before;
        }
    }

    /**
     * What a deploy thread did: the types now deployed (none when it failed), the types of the old revision
     * it removed, and the problems met, in order.
     */
    private record Outcome(boolean ok, List<String> deployed, List<String> removed, List<String> problems) {}

    private final ModuleDeployer deployer;
    private final ActorRuntime runtime;
    private final LongSupplier maxModuleBytes;
    private final BiPredicate<ModuleHash, byte[]> offerCompiled;
    private final long graceMillis;
    private final ScheduledExecutorService executor;
    private final ThreadPoolExecutor deployThreads;
    // confined to the executor's thread
    private final Map<String, Long> owners = new HashMap<>();
    private final Map<Long, Deployment> deployed = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    /** Deployments under way on the deploy threads, in the order they began (and are finished). */
    private final ArrayDeque<Running> running = new ArrayDeque<>();
    /** Bundles whose work waits: for their own deployment under way, or for another's claim (blocked). */
    private final Map<Long, ArrayDeque<Runnable>> waiting = new HashMap<>();
    /** Bundles whose deployment waits for the outcome of another bundle's claim on one of its types. */
    private final Set<Long> blocked = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    BundleDeployments(ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes, long graceMillis) {
        this(deployer, runtime, maxModuleBytes, (hash, code) -> false, graceMillis, 0);
    }

    BundleDeployments(ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes,
            BiPredicate<ModuleHash, byte[]> offerCompiled, long graceMillis) {
        this(deployer, runtime, maxModuleBytes, offerCompiled, graceMillis, 0);
    }

    /**
     * @param offerCompiled hands a module's build-time compiled code to the registry
     *     ({@code ModuleRegistry.offerCompiledCode}) before the module is deployed
     * @param deployThreadCount how many bundles deploy at once; 0: one per processor, at most
     *     {@value #MAX_DEFAULT_DEPLOY_THREADS}
     */
    BundleDeployments(ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes,
            BiPredicate<ModuleHash, byte[]> offerCompiled, long graceMillis, int deployThreadCount) {
        if (deployThreadCount < 0 || deployThreadCount > MAX_DEPLOY_THREADS) {
            throw new IllegalArgumentException("module extender: deploy_threads is " + deployThreadCount
                    + ", must be 0 (one per processor) to " + MAX_DEPLOY_THREADS);
        }
        this.deployer = deployer;
        this.runtime = runtime;
        this.maxModuleBytes = maxModuleBytes;
        this.offerCompiled = offerCompiled;
        this.graceMillis = graceMillis;
        this.executor = Executors.newSingleThreadScheduledExecutor(threads("kelpie-extender", false));
        int n = deployThreadCount > 0 ? deployThreadCount
                : Math.min(MAX_DEFAULT_DEPLOY_THREADS, Runtime.getRuntime().availableProcessors());
        this.deployThreads = new ThreadPoolExecutor(n, n, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                threads("kelpie-extender-deploy-", true));
        this.deployThreads.allowCoreThreadTimeOut(true); // no idle threads once the bundles are deployed
    }

    private static ThreadFactory threads(String name, boolean numbered) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, numbered ? name + count.incrementAndGet() : name);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.log(System.Logger.Level.ERROR, "uncaught in " + th.getName(), e));
            return t;
        };
    }

    /** How many bundles deploy at once. */
    int deployThreadCount() {
        return deployThreads.getMaximumPoolSize();
    }

    /** The bundle is starting: deploy its types (a hot swap when it comes back within the grace). */
    void started(ModuleBundle bundle) {
        submit(bundle.id(), () -> deploy(bundle));
    }

    /** The bundle is stopping: suspend its types, and remove them unless it comes back within the grace. */
    void stopped(long bundleId) {
        submit(bundleId, () -> suspend(bundleId));
    }

    /** A new revision of the bundle is on its way: wait longer for it to start. */
    void updated(long bundleId) {
        submit(bundleId, () -> {
            Pending p = pending.get(bundleId);
            if (p != null) {
                schedule(p.deployment(), Math.max(graceMillis, UPDATE_GRACE_MIN_MILLIS));
            }
        });
    }

    /** The bundle is gone: remove its types now. */
    void uninstalled(long bundleId) {
        submit(bundleId, () -> removeIfPending(bundleId));
    }

    /** Problems met with module bundles, newest last. */
    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /**
     * Removes every type the extender deployed and stops its threads, waiting at most {@code maxWaitMillis}
     * for work under way (deployments running finish first; a suspension waits for turns in flight).
     */
    void close(long maxWaitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        try {
            executor.execute(() -> { }); // closed already?
        } catch (RejectedExecutionException e) {
            return;
        }
        // the deployments under way finish and hand their outcome to the extender's thread; none begins now
        deployThreads.shutdown();
        try {
            if (!deployThreads.awaitTermination(maxWaitMillis, TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "the module extender's deployments did not finish within "
                        + maxWaitMillis + " ms; stopping them");
                deployThreads.shutdownNow();
            }
            executor.execute(this::removeAll);
            executor.shutdown();
            long left = Math.max(0, deadline - System.nanoTime());
            if (!executor.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "the module extender's work did not finish within "
                        + maxWaitMillis + " ms; stopping it");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            deployThreads.shutdownNow();
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException e) {
            // closed concurrently
        }
    }

    /** For tests: waits until the work handed over so far is done, deployments under way included. */
    void flush(long maxWaitMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        Callable<Boolean> idle = () -> running.isEmpty() && waiting.isEmpty();
        while (true) {
            Future<Boolean> f = ((ExecutorService) executor).submit(idle);
            if (f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("module extender still busy after " + maxWaitMillis + " ms");
            }
            Thread.sleep(5);
        }
    }

    /** Runs the work on the extender's thread, after the bundle's earlier work. */
    private void submit(long bundleId, Runnable work) {
        execute(() -> {
            ArrayDeque<Runnable> queue = waiting.get(bundleId);
            if (queue != null) {
                queue.add(work); // the bundle's deployment is under way or blocked: after it
            } else {
                work.run();
            }
        });
    }

    /** Runs on the extender's thread; a failure is reported, never lost. */
    private void execute(Runnable work) {
        try {
            executor.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    report("module extender: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // the extender is shutting down: its close removes everything
        }
    }

    // ---- on the executor's thread ----

    private void deploy(ModuleBundle bundle) {
        if (!bundle.isActive()) {
            return; // stopped again before its turn came: the stop that follows handles it
        }
        String name = bundle.name();
        long id = bundle.id();
        List<ModuleHeader.Entry> entries;
        try {
            entries = ModuleHeader.parse(name, bundle.header(), runtime.defaultLimits());
            for (ModuleHeader.Entry entry : entries) {
                Long owner = owners.get(entry.type());
                if (owner != null && owner != id) {
                    if (isRunning(owner)) {
                        block(id, () -> deploy(bundle)); // its outcome decides: try again after it
                        return;
                    }
                    throw new IllegalArgumentException("bundle " + name + ": actor type '" + entry.type()
                            + "' is already provided by bundle " + owner);
                }
            }
        } catch (RuntimeException e) {
            List<String> before = takeBefore(id);
            report("module bundle " + name + " not deployed: " + e.getMessage());
            undeployAll(before); // the old revision's types cannot be resumed
            if (!before.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "module bundle " + name + " removed: " + before);
            }
            return;
        }
        List<String> before = takeBefore(id);
        for (ModuleHeader.Entry entry : entries) {
            owners.put(entry.type(), id); // claimed now, in the order of the events
        }
        Running r = new Running(id, name, before);
        running.add(r);
        waiting.computeIfAbsent(id, k -> new ArrayDeque<>());
        try {
            deployThreads.execute(() -> {
                Outcome outcome;
                try {
                    outcome = deployEntries(bundle, entries, before);
                } catch (RuntimeException | Error e) {
                    outcome = new Outcome(false, List.of(), List.of(),
                            List.of("module bundle " + name + " not deployed: " + e));
                    handBack(r, outcome);
                    if (e instanceof VirtualMachineError) {
                        throw e;
                    }
                    return;
                }
                handBack(r, outcome);
            });
        } catch (RejectedExecutionException e) {
            // closing: the close removes what the bundle had
            LOG.log(System.Logger.Level.INFO, "module bundle " + name + " not deployed: the module extender is stopping");
            finished(r, new Outcome(false, List.of(), List.of(), List.of()));
        }
    }

    /** The types the bundle has now (running, or suspended within the grace), which it stops having. */
    private List<String> takeBefore(long id) {
        Pending previous = pending.remove(id);
        if (previous != null) {
            previous.removal().cancel(false);
        }
        Deployment running = deployed.remove(id); // started twice without a stop: deploy over it
        return previous != null ? previous.deployment().types() : running != null ? running.types() : List.of();
    }

    private boolean isRunning(long bundleId) {
        for (Running r : running) {
            if (r.bundleId == bundleId) {
                return true;
            }
        }
        return false;
    }

    /** The bundle's deployment waits for another's outcome; its later work waits behind it. */
    private void block(long bundleId, Runnable retry) {
        ArrayDeque<Runnable> queue = waiting.computeIfAbsent(bundleId, k -> new ArrayDeque<>());
        queue.addFirst(retry);
        blocked.add(bundleId);
    }

    private void handBack(Running r, Outcome outcome) {
        execute(() -> finished(r, outcome));
    }

    /** A deployment is done: finishes every deployment done so far, in the order they began. */
    private void finished(Running r, Outcome outcome) {
        r.outcome = outcome;
        while (!running.isEmpty() && running.peekFirst().outcome != null) {
            Running done = running.pollFirst();
            finish(done);
            resume(done.bundleId);
            for (Long id : new ArrayList<>(blocked)) { // their blocker may be decided now
                blocked.remove(id);
                resume(id);
            }
        }
    }

    private void finish(Running r) {
        Outcome o = r.outcome;
        o.problems().forEach(this::report);
        if (o.ok()) {
            for (String type : o.removed()) {
                owners.remove(type);
            }
            deployed.put(r.bundleId, new Deployment(r.bundleId, r.bundleName, o.deployed()));
            LOG.log(System.Logger.Level.INFO, "module bundle " + r.bundleName
                    + (r.before.isEmpty() ? " deployed: " : " updated: ") + o.deployed());
        } else {
            owners.values().removeIf(owner -> owner == r.bundleId); // nothing of the bundle runs now
            if (!o.removed().isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "module bundle " + r.bundleName + " removed: " + o.removed());
            }
        }
    }

    /** Runs the bundle's waiting work in order, until it begins another deployment or blocks again. */
    private void resume(long bundleId) {
        ArrayDeque<Runnable> queue = waiting.remove(bundleId);
        while (queue != null && !queue.isEmpty()) {
            Runnable work = queue.pollFirst();
            try {
                work.run();
            } catch (RuntimeException e) {
                report("module extender: " + e);
            }
            ArrayDeque<Runnable> again = waiting.get(bundleId);
            if (again != null) { // busy again: the rest waits behind what it is busy with
                again.addAll(queue);
                return;
            }
        }
    }

    // ---- on a deploy thread ----

    /**
     * Deploys the bundle's modules one after another. On a failure, undeploys what it deployed and the old
     * revision's types (they cannot be resumed); on success, the old revision's types the new one dropped.
     */
    private Outcome deployEntries(ModuleBundle bundle, List<ModuleHeader.Entry> entries, List<String> before) {
        String name = bundle.name();
        List<String> deployedNow = new ArrayList<>();
        List<String> problemsMet = new ArrayList<>();
        try {
            for (ModuleHeader.Entry entry : entries) {
                byte[] bytes = read(bundle, entry.path());
                offerCompiled(bundle, entry.path(), bytes);
                // the header declares the type in full: its limits (defaults for unset attributes) and its
                // host namespaces (none: the core ones only), also over a type it hot-swaps
                DeployResult r = deployer.deploy(DeployRequest.of(entry.type(), bundle.symbolicName() + "!/" + entry.path(), bytes)
                        .withLimits(entry.limits()).withHostNamespaces(entry.namespaces())
                        .withEnvironment(entry.environment()));
                deployedNow.add(r.type().name());
            }
        } catch (RuntimeException e) {
            problemsMet.add("module bundle " + name + " not deployed: " + e.getMessage());
            undeploy(deployedNow, problemsMet);
            List<String> rest = new ArrayList<>(before);
            rest.removeAll(deployedNow);
            undeploy(rest, problemsMet); // the old revision's types cannot be resumed
            return new Outcome(false, List.of(), rest, problemsMet);
        }
        List<String> dropped = new ArrayList<>(before);
        dropped.removeAll(deployedNow);
        undeploy(dropped, problemsMet); // types the old revision had and the new one dropped
        return new Outcome(true, deployedNow, dropped, problemsMet);
    }

    private void undeploy(List<String> types, List<String> problemsMet) {
        for (String type : types) {
            try {
                deployer.undeploy(type);
            } catch (RuntimeException e) {
                problemsMet.add("module extender: cannot undeploy type '" + type + "': " + e.getMessage());
            }
        }
    }

    private byte[] read(ModuleBundle bundle, String path) {
        long cap = maxModuleBytes.getAsLong();
        try (InputStream in = bundle.open(path)) {
            if (in == null) {
                throw new IllegalArgumentException("bundle " + bundle.name() + " has no entry " + path);
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, cap + 1));
            if (bytes.length > cap) {
                throw new IllegalArgumentException("bundle " + bundle.name() + ", entry " + path
                        + ": over the module size cap of " + cap + " bytes");
            }
            return bytes;
        } catch (IOException | IllegalStateException e) {
            throw new IllegalArgumentException("bundle " + bundle.name() + ": cannot read entry " + path + ": " + e, e);
        }
    }

    /**
     * Offers the code compiled at build time beside a module, if the bundle has it. Never fails the
     * deployment: code that cannot be read or does not fit (another Chicory, other bytes) is compiled anew.
     */
    private void offerCompiled(ModuleBundle bundle, String path, byte[] module) {
        String codePath = path + COMPILED_SUFFIX;
        long cap = Math.min(Integer.MAX_VALUE - 8L, maxModuleBytes.getAsLong() * COMPILED_BYTES_PER_MODULE_BYTE);
        byte[] code;
        try (InputStream in = bundle.open(codePath)) {
            if (in == null) {
                return;
            }
            code = in.readNBytes((int) cap + 1);
        } catch (IOException | IllegalStateException e) {
            LOG.log(System.Logger.Level.WARNING, "bundle " + bundle.name() + ": cannot read " + codePath + ": " + e
                    + "; compiling " + path);
            return;
        }
        if (code.length > cap) {
            LOG.log(System.Logger.Level.WARNING, "bundle " + bundle.name() + ": " + codePath + " is over " + cap
                    + " bytes; compiling " + path);
            return;
        }
        if (!offerCompiled.test(ModuleHash.sha256(module), code)) {
            LOG.log(System.Logger.Level.INFO, "bundle " + bundle.name() + ": " + codePath
                    + " does not fit this runtime (another Chicory, or another build of the module); compiling " + path);
        }
    }

    // ---- on the executor's thread ----

    private void suspend(long bundleId) {
        Deployment d = deployed.remove(bundleId);
        if (d == null) {
            return;
        }
        for (String type : d.types()) {
            runtime.suspend(type); // the turns in flight end, the actors passivate, new messages wait
        }
        schedule(d, graceMillis);
    }

    private void schedule(Deployment d, long delayMillis) {
        ScheduledFuture<?> removal;
        try {
            removal = executor.schedule(() -> removeIfPending(d.bundleId()), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the extender is closing (its tracker reported every bundle stopped): no grace, remove now
            Pending old = pending.remove(d.bundleId());
            if (old != null) {
                old.removal().cancel(false);
            }
            remove(d);
            return;
        }
        Pending old = pending.put(d.bundleId(), new Pending(d, removal));
        if (old != null) {
            old.removal().cancel(false);
        }
    }

    private void removeIfPending(long bundleId) {
        Pending p = pending.remove(bundleId);
        if (p != null) {
            p.removal().cancel(false);
            remove(p.deployment());
        }
    }

    private void removeAll() {
        for (Pending p : new ArrayList<>(pending.values())) {
            p.removal().cancel(false);
            remove(p.deployment());
        }
        pending.clear();
        for (Deployment d : new ArrayList<>(deployed.values())) {
            remove(d);
        }
        deployed.clear();
    }

    private void remove(Deployment d) {
        undeployAll(d.types());
        if (!d.types().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "module bundle " + d.bundleName() + " removed: " + d.types());
        }
    }

    /** Undeploys the types (their modules leave the registry when no other type runs them). */
    private void undeployAll(List<String> types) {
        for (String type : types) {
            try {
                deployer.undeploy(type);
            } catch (RuntimeException e) {
                report("module extender: cannot undeploy type '" + type + "': " + e.getMessage());
            }
            owners.remove(type);
        }
    }

    private void report(String problem) {
        LOG.log(System.Logger.Level.ERROR, problem);
        synchronized (problems) {
            problems.add(problem);
            if (problems.size() > MAX_PROBLEMS) {
                problems.remove(0);
            }
        }
    }
}
