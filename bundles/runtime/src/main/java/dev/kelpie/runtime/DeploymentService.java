package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentListener;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.DeploymentException.Reason;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.api.wapc.WapcInstance;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The {@link ModuleDeployer}: size cap, registry install, instantiation check, runtime deploy, roll back.
 *
 * <h2>Concurrency</h2>
 * Compiling a module and checking that it instantiates can take seconds, so they run outside the lock.
 * What the lock serialises is every decision about the registry and the runtime's types: which type a
 * deployment replaces, the deploy itself, and whether a module may leave the registry. A module is
 * removed only when no deployed type runs it and no deployment under way holds it (deployments under way
 * "pin" their module from install to deploy), so a concurrent deployment of the same bytes never loses
 * its module to another one's roll back.
 *
 * <p>If the type a deployment replaces changes while its module is being checked (another deployment or
 * undeployment of the same type), the deployment fails with {@link Reason#CONFLICT} and changes nothing.
 *
 * <p>{@link DeploymentListener}s (whiteboard services, or {@link #addListener}) are told about every
 * completed deployment and undeployment on the deploying thread, after the lock is released.
 */
@Component(service = ModuleDeployer.class, configurationPid = DeploymentService.PID)
@Designate(ocd = DeploymentService.Config.class)
public final class DeploymentService implements ModuleDeployer {
    public static final String PID = "dev.kelpie.deployer";

    /** ConfigAdmin configuration of the deployer: what a type's WASI guests may be given. */
    @ObjectClassDefinition(name = "Kelpie module deployer", description = "WASI arguments, environment variables and"
            + " directories of actor types")
    public @interface Config {
        @AttributeDefinition(description = "The directory WASI types' directories are created under; relative paths"
                + " against the system property kelpie.home, or the working directory without it")
        String wasi__root() default "data/wasi";

        @AttributeDefinition(description = "Most WASI arguments plus environment variables of one type")
        int max__wasi__entries() default GuestEnvironmentRules.DEFAULT_MAX_ENTRIES;

        @AttributeDefinition(description = "Most bytes of one type's WASI arguments and NAME=value variables, a NUL"
                + " each included")
        int max__wasi__bytes() default GuestEnvironmentRules.DEFAULT_MAX_BYTES;

        @AttributeDefinition(description = "Bytes a type's writable WASI directory may hold when the type names no"
                + " quota (dir-quota), and the most it may name")
        long max__wasi__dir__quota() default GuestEnvironmentRules.DEFAULT_MAX_DIRECTORY_QUOTA;
    }

    /** How long a check whose guest ignores the interrupt is waited for after its timeout, before giving up. */
    private static final long CHECK_EXIT_WAIT_MILLIS = 1000;

    private final ModuleRegistry registry;
    private final WapcHost host;
    private final ActorRuntime runtime;
    private final GuestEnvironmentRules environments;
    private final Object lock = new Object();
    /** Modules held by deployments under way, with how many hold each. Under {@link #lock}. */
    private final Map<ModuleHash, Integer> pins = new HashMap<>();
    /** Types being undeployed: a deployment of one of them fails with CONFLICT. Under {@link #lock}. */
    private final Set<String> undeploying = new HashSet<>();
    private final List<DeploymentListener> listeners = new CopyOnWriteArrayList<>();
    /** Test hook: runs in {@link #undeploy} after it chose the type, before the runtime undeploys it. */
    Runnable beforeRuntimeUndeploy = () -> {};

    @Activate
    public DeploymentService(@Reference ModuleRegistry registry, @Reference WapcHost host, @Reference ActorRuntime runtime,
            Config config) {
        this(registry, host, runtime, new GuestEnvironmentRules(resolveWasiRoot(config.wasi__root()),
                config.max__wasi__entries(), config.max__wasi__bytes(), config.max__wasi__dir__quota()));
    }

    /** Plain Java: a deployer whose types get WASI directories under {@code environments.wasiRoot()}. */
    public DeploymentService(ModuleRegistry registry, WapcHost host, ActorRuntime runtime,
            GuestEnvironmentRules environments) {
        this.registry = Objects.requireNonNull(registry, "module registry");
        this.host = Objects.requireNonNull(host, "waPC host");
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.environments = Objects.requireNonNull(environments, "guest environment rules");
    }

    /** Plain Java: a deployer with the default WASI limits and no WASI root (no type may have a directory). */
    public DeploymentService(ModuleRegistry registry, WapcHost host, ActorRuntime runtime) {
        this(registry, host, runtime, GuestEnvironmentRules.DEFAULTS);
    }

    /**
     * The WASI root for a configured value: an absolute path as it is, a relative one against the system
     * property {@code kelpie.home} when set, else against the working directory (as the store's data_dir).
     */
    static Path resolveWasiRoot(String configured) {
        String value = configured == null || configured.isBlank() ? "data/wasi" : configured.trim();
        try {
            Path p = Path.of(value);
            if (p.isAbsolute()) {
                return p.normalize();
            }
            String home = System.getProperty("kelpie.home");
            Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home.trim());
            return base.resolve(p).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("wasi_root '" + value + "' is not a valid path: " + e.getMessage(), e);
        }
    }

    /** Adds a listener told about every completed deployment and undeployment (whiteboard services come here). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public void addListener(DeploymentListener listener) {
        listeners.add(Objects.requireNonNull(listener, "deployment listener"));
    }

    public void removeListener(DeploymentListener listener) {
        listeners.remove(listener);
    }

    @Override
    public DeployResult deploy(DeployRequest request) {
        DeployResult result = deployChecked(request);
        for (DeploymentListener l : listeners) {
            try {
                l.deployed(request, result);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                LOG.log(System.Logger.Level.ERROR, "deployment listener " + l + " failed on the deployment of type '"
                        + result.type().name() + "' (module " + result.module().label() + ")", e);
            }
        }
        return result;
    }

    @Override
    public Optional<UndeployResult> undeploy(String type) {
        Optional<UndeployResult> result = undeployChecked(type);
        result.ifPresent(r -> {
            for (DeploymentListener l : listeners) {
                try {
                    l.undeployed(r);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    LOG.log(System.Logger.Level.ERROR, "deployment listener " + l + " failed on the undeployment of type '"
                            + r.type().name() + "'", e);
                }
            }
        });
        return result;
    }

    private static final System.Logger LOG = System.getLogger("kelpie.deployer");

    private DeployResult deployChecked(DeployRequest request) {
        Objects.requireNonNull(request, "deploy request");
        String typeName = request.type();
        String source = request.bytes() != null ? "'" + request.moduleName() + "'" : String.valueOf(request.installedModule());
        checkTypeName(source, typeName);
        Set<String> declared = request.hostNamespaces() == null ? null : checkNamespaces(source, typeName, request.hostNamespaces());

        Installed installed = request.bytes() != null ? install(request, source) : findInstalled(request, source);
        ModuleDescriptor d = installed.module.descriptor();
        ModuleHash hash = d.hash();
        boolean deployed = false;
        try {
            Optional<ActorType> previous;
            ActorType type;
            synchronized (lock) {
                previous = runtime.type(typeName);
                type = resolve(typeName, hash, previous, request.limits(), declared);
            }
            if (request.environment() != null) {
                type = type.withEnvironment(environments.resolve(d, typeName, request.environment()));
            }
            checkInstantiates(installed.module, type);
            synchronized (lock) {
                if (undeploying.contains(typeName) || !previous.equals(runtime.type(typeName))) {
                    throw new DeploymentException(d.label(), typeName, Reason.CONFLICT, "the type was deployed or "
                            + "undeployed by someone else while this deployment was being checked; nothing changed");
                }
                try {
                    runtime.deploy(type);
                } catch (RuntimeException e) {
                    throw new DeploymentException(d.label(), typeName, Reason.RUNTIME_REFUSED,
                            "the runtime refused it: " + describe(e), e);
                }
                deployed = true;
                unpin(hash);
                boolean replacedRemoved = false;
                ActorType old = previous.orElse(null);
                if (old != null && old.isWasm() && !old.module().equals(hash)) {
                    replacedRemoved = removeIfUnused(old.module());
                }
                return new DeployResult(type, d, installed.added, old, replacedRemoved);
            }
        } finally {
            if (!deployed) {
                synchronized (lock) {
                    unpin(hash);
                    if (installed.added) {
                        removeIfUnused(hash);
                    }
                }
            }
        }
    }

    private Optional<UndeployResult> undeployChecked(String type) {
        if (type == null || type.isBlank()) {
            return Optional.empty();
        }
        ActorType t;
        synchronized (lock) {
            Optional<ActorType> found = runtime.type(type);
            if (found.isEmpty() || !undeploying.add(type)) {
                return Optional.empty(); // not deployed, or being undeployed by another call
            }
            t = found.get();
        }
        try {
            beforeRuntimeUndeploy.run();
            int active = (int) runtime.actors().stream().filter(a -> a.id().namespace().equals(type)).count();
            // passivating the actors can take up to their invocation timeout: not under the lock; a deployment
            // of this type meanwhile fails with CONFLICT (it sees the type in `undeploying`)
            if (!runtime.undeploy(type)) {
                return Optional.empty(); // undeployed meanwhile by a caller of the runtime itself
            }
            synchronized (lock) {
                if (!t.isWasm()) {
                    return Optional.of(new UndeployResult(t, active, false, List.of()));
                }
                List<String> users = usersOf(t.module());
                boolean removed = users.isEmpty() && !pins.containsKey(t.module()) && registry.remove(t.module());
                return Optional.of(new UndeployResult(t, active, removed, users));
            }
        } finally {
            synchronized (lock) {
                undeploying.remove(type);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    private record Installed(CompiledModule module, boolean added) {}

    /** Size cap, then install (or a cache hit), pinning the module. */
    private Installed install(DeployRequest request, String source) {
        byte[] bytes = request.bytes();
        long cap = registry.maxModuleBytes();
        if (bytes.length > cap) {
            throw new DeploymentException(source, request.type(), Reason.REJECTED, "the module is " + bytes.length
                    + " bytes, over the size cap of " + cap + " bytes (max_module_bytes)");
        }
        ModuleHash hash = ModuleHash.sha256(bytes);
        boolean present;
        synchronized (lock) {
            present = registry.find(hash).isPresent();
            pin(hash);
        }
        try {
            CompiledModule compiled = registry.install(request.moduleName(), bytes);
            return new Installed(compiled, !present);
        } catch (ModuleRejectedException e) {
            synchronized (lock) {
                unpin(hash);
            }
            throw new DeploymentException(source, request.type(), Reason.REJECTED,
                    "rejected (" + e.reason().name().toLowerCase(java.util.Locale.ROOT) + "): " + e.detail(), e);
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                unpin(hash);
                if (!present) {
                    removeIfUnused(hash);
                }
            }
            throw e;
        }
    }

    private Installed findInstalled(DeployRequest request, String source) {
        synchronized (lock) {
            CompiledModule compiled = registry.find(request.installedModule()).orElseThrow(() -> new DeploymentException(
                    source, request.type(), Reason.NOT_INSTALLED, "no module with that hash is installed in the registry "
                    + "(it is removed when no deployed type runs it any more; install it again)"));
            pin(compiled.descriptor().hash());
            return new Installed(compiled, false);
        }
    }

    /**
     * The type to deploy: a hot swap of a WASM type keeps its limits, host namespaces and guest environment
     * unless the request gives them; a new type (or one replacing a native type) gets the runtime's default limits and the
     * core namespaces only.
     */
    private ActorType resolve(String name, ModuleHash hash, Optional<ActorType> previous, ActorLimits limits,
            Set<String> declared) {
        Optional<ActorType> wasm = previous.filter(ActorType::isWasm);
        ActorLimits l = limits != null ? limits : wasm.map(ActorType::limits).orElseGet(runtime::defaultLimits);
        // (a replaced type deployed directly through the runtime without a declaration, null = all
        // namespaces, keeps that; everything deployed through here declares)
        Set<String> ns = declared != null ? declared : wasm.isPresent() ? wasm.get().hostNamespaces() : Set.of();
        return new ActorType(name, hash, null, l, ns, wasm.map(ActorType::environment).orElse(null));
    }

    /**
     * Creates and closes one instance the way an activation would, so that a module whose imports cannot
     * be linked or whose init traps is refused now, not at its first message. It runs on its own thread,
     * interrupted when it takes longer than the type's invocation timeout, so a guest whose init never
     * ends cannot hold the deployment. (Instances created with {@code InstanceOptions.withCallTimeout}
     * bound their init themselves where the waPC host implements it; this check does not rely on that.)
     */
    private void checkInstantiates(CompiledModule compiled, ActorType type) {
        String label = compiled.descriptor().label();
        InstanceOptions options = InstanceOptions.labelled("deployment check of type " + type.name())
                .withMaxMemoryBytes(type.limits().maxMemoryBytes())
                .withGuestEnvironment(type.environment());
        if (type.hostNamespaces() != null) {
            Set<String> all = new LinkedHashSet<>(CORE_NAMESPACES);
            all.addAll(type.hostNamespaces());
            options = options.withHostNamespaces(all);
        }
        InstanceOptions opts = options;
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (WapcInstance ignored = host.instantiate(compiled, opts)) {
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "kelpie-deploy-check-" + type.name());
        t.setDaemon(true);
        t.start();
        Duration timeout = type.limits().invocationTimeout();
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            t.interrupt();
            joinQuietly(t);
            throw new DeploymentException(label, type.name(), Reason.INIT_TIMEOUT, "its initialisation did not finish "
                    + "within the invocation timeout of " + timeout.toMillis() + " ms"
                    + (t.isAlive() ? " (and it ignores interrupts: its thread " + t.getName() + " is still running)" : ""));
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw new DeploymentException(label, type.name(), Reason.INTERRUPTED,
                    "interrupted while checking that it instantiates");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new DeploymentException(label, type.name(), Reason.NOT_INSTANTIABLE,
                    "it cannot be instantiated: " + describe(cause), cause);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(CHECK_EXIT_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pin(ModuleHash hash) {
        pins.merge(hash, 1, Integer::sum);
    }

    private void unpin(ModuleHash hash) {
        pins.computeIfPresent(hash, (h, n) -> n == 1 ? null : n - 1);
    }

    /** Removes the module when no deployed type runs it and no deployment holds it. Under the lock. */
    private boolean removeIfUnused(ModuleHash hash) {
        return usersOf(hash).isEmpty() && !pins.containsKey(hash) && registry.remove(hash);
    }

    private List<String> usersOf(ModuleHash module) {
        return runtime.types().stream().filter(t -> module.equals(t.module())).map(ActorType::name).sorted()
                .collect(Collectors.toList());
    }

    private static void checkTypeName(String source, String type) {
        try {
            ActorType.nativeType(type, () -> null); // the type-name rule lives in ActorType
        } catch (IllegalArgumentException e) {
            throw new DeploymentException(source, String.valueOf(type), Reason.INVALID_REQUEST, e.getMessage(), e);
        }
        if (type.startsWith(RESERVED_TYPE_PREFIX)) {
            throw new DeploymentException(source, type, Reason.INVALID_REQUEST, "actor type names starting with '"
                    + RESERVED_TYPE_PREFIX + "' are reserved for Kelpie's own state (reminders are stored under "
                    + "kelpie.reminders)");
        }
    }

    /** Type names under this prefix are Kelpie's own (the timers bundle keeps reminders under {@code kelpie.reminders}). */
    static final String RESERVED_TYPE_PREFIX = "kelpie.";

    /**
     * The one rule for declared host namespaces (the shell, module bundle headers and the embedding API all
     * deploy through here): 1 to {@value #MAX_NAMESPACE_CHARS} printable ASCII characters without space,
     * {@code ,} or {@code "}, so waPC-style names such as {@code sample:namespace} work.
     */
    static Set<String> checkNamespaces(String source, String type, Set<String> namespaces) {
        for (String n : namespaces) {
            String why = n == null || n.isEmpty() ? "it is empty"
                    : n.length() > MAX_NAMESPACE_CHARS ? "it is longer than " + MAX_NAMESPACE_CHARS + " characters"
                    : n.chars().allMatch(DeploymentService::namespaceChar) ? null
                    : "use printable ASCII without space, ',' or '\"'";
            if (why != null) {
                throw new DeploymentException(source, type, Reason.INVALID_REQUEST, "invalid host namespace '" + n
                        + "': " + why);
            }
        }
        return Set.copyOf(namespaces);
    }

    /** Longest declared host namespace (the waPC host refuses longer names in a host call anyway). */
    static final int MAX_NAMESPACE_CHARS = 1024;

    private static boolean namespaceChar(int c) {
        return c > ' ' && c < 0x7f && c != ',' && c != '"';
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
