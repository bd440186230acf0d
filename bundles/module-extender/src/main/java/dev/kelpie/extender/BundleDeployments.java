package dev.kelpie.extender;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.module.ModuleHash;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;

/**
 * What the extender does with module bundles, on its own single thread: framework callbacks only hand
 * work to it ({@link #started}, {@link #stopped}, {@link #updated}, {@link #uninstalled}) and return at
 * once, like Felix SCR's extender, so no framework thread ever waits for a suspension (which lasts until
 * the turns in flight end, up to their invocation timeout) and nothing is done under a lock inside a
 * framework callback. All state is confined to that thread; work for one bundle runs in the order the
 * framework reported its events.
 */
final class BundleDeployments {
    private static final System.Logger LOG = System.getLogger("kelpie.extender");
    /** How long an updated bundle's types wait at least for the new revision to start. */
    private static final long UPDATE_GRACE_MIN_MILLIS = 30_000;
    private static final int MAX_PROBLEMS = 100;
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

    private final ModuleDeployer deployer;
    private final ActorRuntime runtime;
    private final LongSupplier maxModuleBytes;
    private final BiPredicate<ModuleHash, byte[]> offerCompiled;
    private final long graceMillis;
    private final ScheduledExecutorService executor;
    // confined to the executor's thread
    private final Map<String, Long> owners = new HashMap<>();
    private final Map<Long, Deployment> deployed = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    BundleDeployments(ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes, long graceMillis) {
        this(deployer, runtime, maxModuleBytes, (hash, code) -> false, graceMillis);
    }

    /**
     * @param offerCompiled hands a module's build-time compiled code to the registry
     *     ({@code ModuleRegistry.offerCompiledCode}) before the module is deployed
     */
    BundleDeployments(ModuleDeployer deployer, ActorRuntime runtime, LongSupplier maxModuleBytes,
            BiPredicate<ModuleHash, byte[]> offerCompiled, long graceMillis) {
        this.deployer = deployer;
        this.runtime = runtime;
        this.maxModuleBytes = maxModuleBytes;
        this.offerCompiled = offerCompiled;
        this.graceMillis = graceMillis;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kelpie-extender");
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.log(System.Logger.Level.ERROR, "uncaught in " + th.getName(), e));
            return t;
        });
    }

    /** The bundle is starting: deploy its types (a hot swap when it comes back within the grace). */
    void started(ModuleBundle bundle) {
        submit(() -> deploy(bundle));
    }

    /** The bundle is stopping: suspend its types, and remove them unless it comes back within the grace. */
    void stopped(long bundleId) {
        submit(() -> suspend(bundleId));
    }

    /** A new revision of the bundle is on its way: wait longer for it to start. */
    void updated(long bundleId) {
        submit(() -> {
            Pending p = pending.get(bundleId);
            if (p != null) {
                schedule(p.deployment(), Math.max(graceMillis, UPDATE_GRACE_MIN_MILLIS));
            }
        });
    }

    /** The bundle is gone: remove its types now. */
    void uninstalled(long bundleId) {
        submit(() -> removeIfPending(bundleId));
    }

    /** Problems met with module bundles, newest last. */
    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /**
     * Removes every type the extender deployed and stops its thread, waiting at most {@code maxWaitMillis}
     * for work under way (a suspension waits for turns in flight).
     */
    void close(long maxWaitMillis) {
        try {
            executor.execute(this::removeAll);
        } catch (RejectedExecutionException e) {
            return; // closed already
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(maxWaitMillis, TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "the module extender's work did not finish within "
                        + maxWaitMillis + " ms; stopping it");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: waits until the work handed over so far is done. */
    void flush(long maxWaitMillis) throws Exception {
        Future<?> f = ((ExecutorService) executor).submit(() -> { });
        f.get(maxWaitMillis, TimeUnit.MILLISECONDS);
    }

    private void submit(Runnable work) {
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
        Pending previous = pending.remove(id);
        if (previous != null) {
            previous.removal().cancel(false);
        }
        Deployment running = deployed.remove(id); // started twice without a stop: deploy over it
        List<String> before = previous != null ? previous.deployment().types()
                : running != null ? running.types() : List.of();
        List<String> deployedNow = new ArrayList<>();
        try {
            List<ModuleHeader.Entry> entries = ModuleHeader.parse(name, bundle.header(), runtime.defaultLimits());
            for (ModuleHeader.Entry entry : entries) {
                Long owner = owners.get(entry.type());
                if (owner != null && owner != id) {
                    throw new IllegalArgumentException("bundle " + name + ": actor type '" + entry.type()
                            + "' is already provided by bundle " + owner);
                }
            }
            for (ModuleHeader.Entry entry : entries) {
                byte[] bytes = read(bundle, entry.path());
                offerCompiled(bundle, entry.path(), bytes);
                // the header declares the type in full: its limits (defaults for unset attributes) and its
                // host namespaces (none: the core ones only), also over a type it hot-swaps
                DeployResult r = deployer.deploy(DeployRequest.of(entry.type(), bundle.symbolicName() + "!/" + entry.path(), bytes)
                        .withLimits(entry.limits()).withHostNamespaces(entry.namespaces())
                        .withEnvironment(entry.environment()));
                owners.put(entry.type(), id);
                deployedNow.add(r.type().name());
            }
        } catch (RuntimeException e) {
            report("module bundle " + name + " not deployed: " + e.getMessage());
            undeployAll(deployedNow);
            List<String> rest = new ArrayList<>(before);
            rest.removeAll(deployedNow);
            undeployAll(rest); // the old revision's types cannot be resumed
            if (!rest.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "module bundle " + name + " removed: " + rest);
            }
            return;
        }
        List<String> dropped = new ArrayList<>(before);
        dropped.removeAll(deployedNow);
        undeployAll(dropped); // types the old revision had and the new one dropped
        deployed.put(id, new Deployment(id, name, deployedNow));
        LOG.log(System.Logger.Level.INFO, "module bundle " + name + (before.isEmpty() ? " deployed: " : " updated: ") + deployedNow);
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
