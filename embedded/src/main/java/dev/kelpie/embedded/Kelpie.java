package dev.kelpie.embedded;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.wapc.GuestConsole;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.guest.tinygo.TinyGoAdapter;
import dev.kelpie.guest.go.GoAdapter;
import dev.kelpie.guest.micropython.MicroPythonAdapter;
import dev.kelpie.guest.micropython.PythonTranslator;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.host.actors.ActorsHostFunctions;
import dev.kelpie.host.clock.ClockHostFunctions;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.CompileCache;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.DeploymentService;
import dev.kelpie.runtime.GuestEnvironmentRules;
import dev.kelpie.cluster.KelpieCluster;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.store.MvStoreStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Kelpie in a plain Java program: load modules, run them as virtual actors or as bare waPC instances.
 * It wires the same registry ({@link ChicoryModuleRegistry}), waPC host ({@link ChicoryWapcHost}), guest
 * adapters, built-in host functions (state, log, clock, random, actors), state store and actor runtime
 * ({@link KelpieActorRuntime}) that the OSGi bundles publish through Declarative Services.
 *
 * <pre>{@code
 * try (Kelpie kelpie = Kelpie.builder().dataDirectory(Path.of("data")).build()) {
 *     kelpie.deploy("counter", kelpie.load(Path.of("counter.wasm")));
 *     byte[] value = kelpie.actor("counter", "c1").call("increment", new byte[0]);
 * }
 * }</pre>
 *
 * <pre>{@code
 * try (Kelpie kelpie = Kelpie.builder()
 *         .hostFunction("greeting", "hello", call -> "hi".getBytes())
 *         .build()) {
 *     Kelpie.Module module = kelpie.load(Path.of("guest.wasm"));
 *     try (WapcInstance guest = module.instantiate("demo")) {
 *         byte[] answer = guest.invoke("echo", "ping".getBytes());
 *     }
 * }
 * }</pre>
 */
public final class Kelpie implements AutoCloseable {
    private final ChicoryModuleRegistry registry;
    private final ChicoryWapcHost host;
    private final StateStore store;
    private final KelpieActorRuntime actors;
    private final DeploymentService deployer;
    /** The cluster member this Kelpie is, or null (single-node). */
    private final KelpieCluster cluster;
    private final Set<WapcInstance> instances = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Kelpie(Builder builder) {
        this.registry = new ChicoryModuleRegistry(builder.registrySettings, builder.compileCache());
        registry.addSourceTranslator(new PythonTranslator()); // load("counter.py", source): a Python actor
        this.host = new ChicoryWapcHost(builder.wapcSettings);
        if (builder.console != null) {
            host.setConsole(builder.console);
        }
        for (GuestAdapter adapter : builder.adapters) {
            host.addGuestAdapter(adapter);
        }
        StateHostFunctions.all().forEach(host::register);
        LogHostFunctions.all().forEach(host::register);
        ClockHostFunctions.all().forEach(host::register);
        ActorsHostFunctions.all().forEach(host::register);
        builder.hostFunctions.forEach(host::register);
        this.store = builder.dataDirectory == null ? new InMemoryStateStore() : new MvStoreStateStore(builder.dataDirectory);
        try {
            this.actors = builder.runtimeFactory.create(registry, host, store, builder.runtimeSettings);
            this.deployer = new DeploymentService(registry, host, actors, GuestEnvironmentRules.DEFAULTS.withWasiRoot(
                    builder.wasiRoot != null ? builder.wasiRoot
                            : builder.dataDirectory != null ? builder.dataDirectory.resolve("wasi") : null));
        } catch (RuntimeException | Error e) {
            // the store is open (and its file locked): close it, or the directory stays locked until exit
            closeStore(store, e);
            throw e;
        }
        try {
            this.cluster = builder.cluster == null ? null : builder.cluster.start(actors);
        } catch (RuntimeException | Error e) {
            actors.close();
            // the store is open (and its file locked): close it, or the directory stays locked until exit
            closeStore(store, e);
            throw e;
        }
        if (cluster != null) {
            actors.bindRouter(cluster.router());
        }
    }

    private static void closeStore(StateStore store, Throwable failure) {
        if (store instanceof AutoCloseable) {
            try {
                ((AutoCloseable) store).close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Creates the actor runtime; a test hook replaces it to make construction fail. */
    @FunctionalInterface
    interface RuntimeFactory {
        KelpieActorRuntime create(ModuleRegistry registry, WapcHost host, StateStore store, RuntimeSettings settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The cluster member this Kelpie is ({@link Builder#cluster}), or empty when it runs single-node. */
    public Optional<KelpieCluster> cluster() {
        return Optional.ofNullable(cluster);
    }

    /** Loads (installs and compiles, or finds cached) a module from a file. */
    public Module load(Path file) {
        checkOpen();
        return new Module(registry.install(file));
    }

    /** Loads (installs and compiles, or finds cached) a module from bytes. */
    public Module load(String name, byte[] bytes) {
        checkOpen();
        return new Module(registry.install(name, bytes));
    }

    /** The actor runtime: deploy types, reference actors, list actors and stats. */
    public ActorRuntime actors() {
        return actors;
    }

    /**
     * Deploys (or hot-swaps) a WASM actor type running a loaded module, through the same deployment path as
     * the shell and module bundles ({@link ModuleDeployer}): the module is first instantiated once as a check
     * (bounded by the type's invocation timeout), so a module that cannot be linked or initialised fails
     * here with a {@link DeploymentException} and changes nothing. A new type gets the runtime's default
     * limits and may call only the core host namespaces (state, log, clock, random); a hot swap keeps the
     * limits and namespaces of the type it replaces, and removes the module that type ran from the registry
     * when no other type runs it (load it again to deploy it again).
     */
    public DeployResult deploy(String type, Module module) {
        return deploy(DeployRequest.installed(type, module.descriptor().hash()));
    }

    /** Like {@link #deploy(String, Module)}, with these limits. */
    public DeployResult deploy(String type, Module module, ActorLimits limits) {
        return deploy(DeployRequest.installed(type, module.descriptor().hash()).withLimits(Objects.requireNonNull(limits, "limits")));
    }

    /**
     * Like {@link #deploy(String, Module, ActorLimits)}, declaring the host namespaces the type may call
     * besides the core ones (such as {@code actors}, or the namespace of a host function added with
     * {@link Builder#hostFunction}).
     */
    public DeployResult deploy(String type, Module module, ActorLimits limits, Set<String> hostNamespaces) {
        return deploy(DeployRequest.installed(type, module.descriptor().hash()).withLimits(limits)
                .withHostNamespaces(Objects.requireNonNull(hostNamespaces, "host namespaces")));
    }

    /** Deploys whatever the request says (module bytes or an installed module) through the deployer. */
    public DeployResult deploy(DeployRequest request) {
        checkOpen();
        return deployer.deploy(request);
    }

    /** The deployment path shared with the shell and module bundles: deploy and undeploy WASM types. */
    public ModuleDeployer deployer() {
        return deployer;
    }

    /** Deploys a native Java actor type. */
    public void deployNative(String type, Supplier<? extends Actor> factory) {
        actors.deploy(ActorType.nativeType(type, factory));
    }

    /** A reference to an actor. */
    public ActorRef actor(String type, String id) {
        return actors.ref(type, id);
    }

    /** The module registry, for listing and removing modules. */
    public ModuleRegistry registry() {
        return registry;
    }

    /** The waPC host, for listing host functions and adapters. */
    public WapcHost host() {
        return host;
    }

    /** Adds a host function after build; the returned handle removes it again. */
    public AutoCloseable addHostFunction(HostFunctionKey key, HostFunction function) {
        return host.register(key, function);
    }

    /**
     * Shuts the actor runtime down (queued messages drain, actors passivate), closes every instance
     * created through this Kelpie and the state store. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (cluster != null) {
            actors.unbindRouter(cluster.router());
            cluster.close();
        }
        actors.close();
        for (WapcInstance instance : new ArrayList<>(instances)) {
            instance.close();
        }
        instances.clear();
        if (store instanceof AutoCloseable) {
            try {
                ((AutoCloseable) store).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the state store failed: " + e.getMessage(), e);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Kelpie is closed");
        }
    }

    /** A loaded module: its descriptor, and instances of it. */
    public final class Module {
        private final CompiledModule compiled;

        private Module(CompiledModule compiled) {
            this.compiled = compiled;
        }

        public ModuleDescriptor descriptor() {
            return compiled.descriptor();
        }

        /** A new instance with its own memory, labelled for logs and errors. */
        public WapcInstance instantiate(String label) {
            return instantiate(InstanceOptions.labelled(label));
        }

        public WapcInstance instantiate(InstanceOptions options) {
            checkOpen();
            WapcInstance instance = host.instantiate(compiled, options);
            TrackedInstance tracked = new TrackedInstance(instance);
            instances.add(tracked);
            return tracked;
        }
    }

    /** Forgets an instance in the Kelpie's set when it is closed, so long-lived embeddings do not leak. */
    private final class TrackedInstance implements WapcInstance {
        private final WapcInstance delegate;

        TrackedInstance(WapcInstance delegate) {
            this.delegate = delegate;
        }

        @Override
        public byte[] invoke(String operation, byte[] payload) {
            return delegate.invoke(operation, payload);
        }

        @Override
        public boolean callExport(String exportName) {
            return delegate.callExport(exportName);
        }

        @Override
        public ModuleDescriptor module() {
            return delegate.module();
        }

        @Override
        public String label() {
            return delegate.label();
        }

        @Override
        public int memoryPages() {
            return delegate.memoryPages();
        }

        @Override
        public boolean isClosed() {
            return delegate.isClosed();
        }

        @Override
        public void close() {
            instances.remove(this);
            delegate.close();
        }
    }

    /** Configures a {@link Kelpie}. */
    public static final class Builder {
        private RegistrySettings registrySettings = RegistrySettings.DEFAULTS;
        private WapcSettings wapcSettings = WapcSettings.DEFAULTS;
        private final List<GuestAdapter> adapters = new ArrayList<>(List.of(new AssemblyScriptAdapter(new WasiAdapter()), new WasiAdapter(), new TinyGoAdapter(), new GoAdapter(),
                new MicroPythonAdapter()));
        private final Map<HostFunctionKey, HostFunction> hostFunctions = new LinkedHashMap<>();
        private GuestConsole console;
        private Path dataDirectory;
        private Path wasiRoot;
        private Path compileCacheDirectory;
        private long compileCacheMaxBytes = ChicoryModuleRegistry.DEFAULT_COMPILE_CACHE_MAX_BYTES;
        private boolean compileCacheOff;
        private RuntimeSettings runtimeSettings = RuntimeSettings.DEFAULTS;
        private KelpieCluster.Builder cluster;
        /** For tests in this package only. */
        RuntimeFactory runtimeFactory = KelpieActorRuntime::new;

        private Builder() {}

        /** Keeps actor state durably in an H2 MVStore in this directory (default: in memory, lost on exit). */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = Objects.requireNonNull(directory, "data directory");
            return this;
        }

        /**
         * The directory WASI types' directories are created under ({@code DeployRequest.withEnvironment}); default
         * {@code <dataDirectory>/wasi}, and none without a data directory (a type asking for one is refused).
         */
        public Builder wasiRoot(Path directory) {
            this.wasiRoot = Objects.requireNonNull(directory, "WASI root");
            return this;
        }

        /**
         * Keeps compiled modules in this directory, so the next start loads them instead of compiling
         * (default: {@code compile-cache} in the {@link #dataDirectory}, none without one).
         */
        public Builder compileCache(Path directory, long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("compile cache max bytes must be positive, was " + maxBytes);
            }
            this.compileCacheDirectory = Objects.requireNonNull(directory, "compile cache directory");
            this.compileCacheMaxBytes = maxBytes;
            this.compileCacheOff = false;
            return this;
        }

        /** Compiles every module at every start, also with a data directory. */
        public Builder noCompileCache() {
            this.compileCacheOff = true;
            return this;
        }

        private CompileCache compileCache() {
            if (compileCacheOff) {
                return null;
            }
            Path dir = compileCacheDirectory != null ? compileCacheDirectory
                    : dataDirectory != null ? dataDirectory.resolve("compile-cache") : null;
            return dir == null ? null : new CompileCache(dir, compileCacheMaxBytes);
        }

        /** Worker threads, cap on active actors, shutdown grace. */
        public Builder runtimeSettings(RuntimeSettings settings) {
            this.runtimeSettings = Objects.requireNonNull(settings, "runtime settings");
            return this;
        }

        /** A host function under the default binding {@value HostFunction#DEFAULT_BINDING}. */
        public Builder hostFunction(String namespace, String operation, HostFunction function) {
            return hostFunction(new HostFunctionKey(HostFunction.DEFAULT_BINDING, namespace, operation), function);
        }

        public Builder hostFunction(HostFunctionKey key, HostFunction function) {
            Objects.requireNonNull(function, "host function");
            if (hostFunctions.putIfAbsent(key, function) != null) {
                throw new IllegalArgumentException("a host function is already registered for " + key);
            }
            return this;
        }

        /** Adds a guest adapter (the AssemblyScript adapter is there by default). */
        public Builder guestAdapter(GuestAdapter adapter) {
            adapters.add(Objects.requireNonNull(adapter, "guest adapter"));
            return this;
        }

        /** Where guest log lines go; default: {@link GuestConsole#systemLogger()}. */
        public Builder console(GuestConsole guestConsole) {
            this.console = Objects.requireNonNull(guestConsole, "console");
            return this;
        }

        /** Module size cap (default 100 MiB). */
        public Builder maxModuleBytes(long bytes) {
            registrySettings = registrySettings.withMaxModuleBytes(bytes);
            return this;
        }

        /** Compiled (default) or interpreted. */
        public Builder executionMode(ExecutionMode mode) {
            registrySettings = registrySettings.withExecutionMode(mode);
            return this;
        }

        /** Default guest memory cap (default 256 MiB), rounded down to 64 KiB pages. */
        public Builder maxMemoryBytes(long bytes) {
            wapcSettings = new WapcSettings((int) Math.min(65536, bytes / 65536));
            return this;
        }

        /**
         * Makes this Kelpie a cluster member: {@link #build} starts it (an embedded Hazelcast member, waiting at
         * most its start timeout) and routes each actor's messages to the member owning it; {@link Kelpie#close}
         * leaves the cluster. Example: {@code .cluster(KelpieCluster.builder().name("shop").port(5702)
         * .members("127.0.0.1:5701,127.0.0.1:5702"))}.
         */
        public Builder cluster(KelpieCluster.Builder member) {
            this.cluster = Objects.requireNonNull(member, "cluster member");
            return this;
        }

        public Kelpie build() {
            return new Kelpie(this);
        }
    }
}
