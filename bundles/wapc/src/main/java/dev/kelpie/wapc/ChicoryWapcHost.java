package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ExternalKind;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wapc.GuestConsole;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.wasm.FunctionTypes;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The waPC host on Chicory. Links each instance's {@code wapc} imports to its own protocol state, its
 * other imports to the guest adapter that recognises the module best, and dispatches {@code __host_call}
 * to the {@link HostFunction} whiteboard.
 */
@Component(service = WapcHost.class, configurationPid = ChicoryWapcHost.PID)
@Designate(ocd = ChicoryWapcHost.Config.class)
public final class ChicoryWapcHost implements WapcHost {
    public static final String PID = "dev.kelpie.wapc";
    private static final String GUEST_CALL_TYPE = "(i32, i32) -> (i32)";

    /** ConfigAdmin configuration of the waPC host. */
    @ObjectClassDefinition(name = "Kelpie waPC host", description = "Defaults for guest instances")
    public @interface Config {
        @AttributeDefinition(description = "Default cap on a guest's memory, in 64 KiB pages (4096 = 256 MiB)")
        int max__memory__pages() default WapcSettings.DEFAULT_MAX_MEMORY_PAGES;

        @AttributeDefinition(description = "Default cap on any one buffer a guest hands the host (response, error,"
                + " host-call payload, console line), in bytes, checked before it is copied")
        int max__payload__bytes() default WapcSettings.DEFAULT_MAX_PAYLOAD_BYTES;

        @AttributeDefinition(description = "Output lines (console and log host functions) one instance may write per"
                + " second, with a burst of 2 seconds' worth; further lines are dropped and counted (0: no limit)")
        int output__lines__per__second() default WapcSettings.DEFAULT_OUTPUT_LINES_PER_SECOND;

        @AttributeDefinition(description = "Output bytes one instance may write per second, with a burst of 2 seconds'"
                + " worth (0: no limit)")
        int output__bytes__per__second() default WapcSettings.DEFAULT_OUTPUT_BYTES_PER_SECOND;

        @AttributeDefinition(description = "Cap on the entries of all tables of one instance, declared or grown")
        int max__table__entries() default WapcSettings.DEFAULT_MAX_TABLE_ENTRIES;

        @AttributeDefinition(description = "Restore new instances from an image of an initialised one (memory,"
                + " globals, tables) instead of running the module's init again, for modules whose init calls no"
                + " import (no clock, randomness, host function, environment or output)")
        boolean memory__images() default true;

        @AttributeDefinition(description = "Closed instances of one module (per guest adapter and memory cap) kept,"
                + " scrubbed back to the module's memory image (memory, globals, tables), for new instances to reuse"
                + " instead of building one; only with memory_images, for guests run through __guest_call (Rust, C,"
                + " Zig, AssemblyScript, imaged WASI modules; not Go or Python, whose entry runs on a thread of its"
                + " own); the adapter's imports are bound anew for every reuse. Bounds the pool's memory:"
                + " at most this many image-sized instances per module (0: no recycling)")
        int instance__pool__size() default WapcSettings.DEFAULT_INSTANCE_POOL_SIZE;

        @AttributeDefinition(description = "Bytes of linear memory all pooled instances of the host hold together"
                + " (64 MiB by default, at most an eighth of the JVM's maximum heap); a closed instance that would pass"
                + " it is dropped instead of pooled")
        long instance__pool__bytes() default WapcSettings.DEFAULT_INSTANCE_POOL_BYTES;
    }

    private final WapcSettings settings;
    private final CallTimer timer = new CallTimer();
    private final HostFunctionTable hostFunctions = new HostFunctionTable();
    private final CopyOnWriteArrayList<GuestAdapter> adapters = new CopyOnWriteArrayList<>();
    private final ModulePreparations prepared;
    /** Whether the periodic {@link ModulePreparations#expunge} runs (from the first instance offered to a pool). */
    private final java.util.concurrent.atomic.AtomicBoolean expunging = new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.time.Duration EXPUNGE_PERIOD = java.time.Duration.ofSeconds(1);
    private volatile GuestConsole console = GuestConsole.systemLogger();

    @Activate
    public ChicoryWapcHost(Config config) {
        this(new WapcSettings(config.max__memory__pages(), config.max__payload__bytes(),
                config.output__lines__per__second(), config.output__bytes__per__second(), config.max__table__entries(),
                config.memory__images(), config.instance__pool__size(), config.instance__pool__bytes()));
    }

    public ChicoryWapcHost(WapcSettings settings) {
        this.settings = settings;
        this.prepared = new ModulePreparations(settings.memoryImages() ? settings.instancePoolSize() : 0,
                Math.min(settings.instancePoolBytes(), Runtime.getRuntime().maxMemory() / 8)); // a small heap pools less
    }

    /** Stops the call-timeout timer; later calls with a timeout are refused. */
    @Deactivate
    public void deactivate() {
        timer.stop();
    }

    // ---- whiteboard: host functions ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, updated = "updatedHostFunction")
    void addHostFunction(HostFunction function, Map<String, Object> properties) {
        hostFunctions.addService(registration(function, properties), keyOf(properties), function);
    }

    /** The service's properties changed: it moves to its new key (or leaves, when they no longer name one). */
    void updatedHostFunction(HostFunction function, Map<String, Object> properties) {
        HostFunctionKey key;
        try {
            key = keyOf(properties);
        } catch (IllegalArgumentException e) {
            hostFunctions.updateService(registration(function, properties), null, function);
            throw e;
        }
        hostFunctions.updateService(registration(function, properties), key, function);
    }

    void removeHostFunction(HostFunction function, Map<String, Object> properties) {
        hostFunctions.removeService(registration(function, properties));
    }

    /** What identifies a service registration across its updates: its service.id. */
    private static Object registration(HostFunction function, Map<String, Object> properties) {
        Object id = properties.get(SERVICE_ID);
        return id != null ? id : new IdentityKey(function);
    }

    private static final String SERVICE_ID = "service.id";

    /** Stands for a function registered without a service.id (outside a framework), by identity. */
    private static final class IdentityKey {
        private final HostFunction function;

        IdentityKey(HostFunction function) {
            this.function = function;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IdentityKey && ((IdentityKey) o).function == function;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(function);
        }
    }

    /** Registers a host function directly (plain Java); returns what unregisters it. */
    public AutoCloseable register(HostFunctionKey key, HostFunction function) {
        hostFunctions.add(key, function);
        return () -> hostFunctions.remove(key, function);
    }

    static HostFunctionKey keyOf(Map<String, Object> properties) {
        Object binding = properties.getOrDefault(HostFunction.BINDING, HostFunction.DEFAULT_BINDING);
        Object namespace = properties.get(HostFunction.NAMESPACE);
        Object operation = properties.getOrDefault(HostFunction.OPERATION, HostFunction.ANY_OPERATION);
        if (namespace == null) {
            throw new IllegalArgumentException("a HostFunction service needs the property " + HostFunction.NAMESPACE);
        }
        return new HostFunctionKey(String.valueOf(binding), String.valueOf(namespace), String.valueOf(operation));
    }

    // ---- whiteboard: guest adapters and console ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addGuestAdapter(GuestAdapter adapter) {
        adapters.add(adapter);
    }

    public void removeGuestAdapter(GuestAdapter adapter) {
        adapters.remove(adapter);
        prepared.forget(adapter);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void setConsole(GuestConsole guestConsole) {
        this.console = guestConsole;
    }

    public void unsetConsole(GuestConsole guestConsole) {
        if (this.console == guestConsole) {
            this.console = GuestConsole.systemLogger();
        }
    }

    @Override
    public List<HostFunctionKey> hostFunctions() {
        return hostFunctions.keys();
    }

    @Override
    public List<String> guestAdapters() {
        return adapters.stream().map(GuestAdapter::language).sorted().collect(Collectors.toList());
    }

    @Override
    public Map<String, List<String>> guestAdapterSupplies() {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (GuestAdapter adapter : adapters) {
            out.put(adapter.language(), supplies(adapter));
        }
        return out;
    }

    @Override
    public String memoryImage(ModuleDescriptor module) {
        return settings.memoryImages() ? prepared.imageStatus(module) : "off";
    }

    /** The instance pools of a compiled module (per adapter and memory cap); for tests. */
    List<InstancePool> pools(CompiledModule compiled) {
        return prepared.pools((ChicoryModule) compiled);
    }

    /** The bytes of linear memory all pooled instances hold together; for tests. */
    long pooledBytes() {
        return prepared.pooledBytes();
    }

    /** Modules the host holds preparations (link plans, images) for; for tests. */
    int preparedModules() {
        return prepared.size();
    }

    @Override
    public java.util.Optional<String> guestAdapterFor(ModuleDescriptor module) {
        return java.util.Optional.ofNullable(bestAdapter(module)).map(GuestAdapter::language);
    }

    /** What an adapter says it supplies; a broken adapter supplies nothing that can be listed. */
    private static List<String> supplies(GuestAdapter adapter) {
        try {
            List<String> supplies = adapter.supplies();
            return supplies == null ? List.of() : List.copyOf(supplies);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    // ---- instantiation ----

    @Override
    public WapcInstance instantiate(CompiledModule compiled, InstanceOptions options) {
        if (compiled == null) {
            throw new IllegalArgumentException("no module given");
        }
        if (options == null) {
            throw new IllegalArgumentException("no instance options given");
        }
        ModuleDescriptor module = compiled.descriptor();
        if (!(compiled instanceof ChicoryModule)) {
            throw new ModuleInstantiationException(module.label(), "it was not compiled by a Chicory-backed registry");
        }
        ChicoryModule chicory = (ChicoryModule) compiled;
        checkWapcShape(module);
        MemoryLimits limits = memoryLimits(module, options);

        GuestConsole guestConsole = console;
        MemoryAccount account = options.memoryBudget() == null ? null : new MemoryAccount(options.memoryBudget());
        WapcGuestInstance wapc = new WapcGuestInstance(module, options, hostFunctions, guestConsole, settings, timer,
                account);
        GuestAdapter adapter = bestAdapter(module);
        GuestBinding binding;
        try {
            binding = adapter == null
                    ? List::of
                    : adapter.bind(new GuestContext(module, options.label(), wapc.pacedConsole(), options.guestEnvironment(),
                            List.copyOf(wapc.wapcImports()), chicory));
        } catch (RuntimeException e) {
            wapc.close();
            throw e;
        }
        try {
            if (!module.exportsFunction("__guest_call") && binding.entry().isEmpty()) {
                throw new ModuleInstantiationException(module.label(),
                        "it does not export the waPC function __guest_call(i32, i32) -> i32; is it a waPC guest?"
                                + (adapter == null ? "" : " (guest adapter " + adapter.language()
                                        + " does not drive it otherwise)"));
            }
            ModulePreparations.Prepared prep = prepared.of(chicory);
            ModulePreparations.PerAdapter perAdapter = prep.adapter(adapter);
            ImageSlot slot = settings.memoryImages() ? perAdapter.slot(limits.maximumPages()) : null;
            MemoryImage image = slot == null ? null : slot.image();
            boolean recyclable = slot != null && recyclable(chicory, binding);
            if (image != null && recyclable) {
                InstancePool.Pooled pooled = slot.pool().take();
                if (pooled != null && rebinds(pooled, binding)) {
                    reuse(pooled, slot, image, module, options, limits, account, wapc, binding);
                    return wapc;
                } // else (a binding of other imports than the pooled instance was linked with): dropped, build one
            }
            ImportFunction[] linked = link(module, perAdapter, wapc, adapter, binding, recyclable);
            reserveInitial(module, options, limits, account);
            if (image != null && binding.entry().isEmpty()) {
                restore(chicory, options, wapc, linked, limits, account, binding, image);
                if (recyclable) {
                    wapc.recycleWith(recycler(slot));
                }
                return wapc;
            }
            Capture capture = slot != null && slot.undecided() ? capture(chicory, slot, prep, adapter, binding, linked, wapc)
                    : null;
            Instance.Builder builder = Instance.builder(chicory.wasmModule())
                    .withImportValues(ImportValues.builder().addFunction(linked).build())
                    .withMachineFactory(chicory.machineFactory())
                    .withMemoryFactory(l -> new PagedMemory(l, account, null))
                    .withMemoryLimits(limits)
                    .withTableFactory(new TableAllowance(module.label(), options.label(), settings.maxTableEntries()))
                    .withStart(false);
            initialise(module, options, wapc, builder, binding, capture);
            if (recyclable && slot.image() != null) {
                wapc.recycleWith(recycler(slot)); // scrubbed to the image its init left (or an equal one)
            }
            return wapc;
        } catch (RuntimeException e) {
            wapc.close();
            try {
                binding.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Takes the initial memory of an instance from its budget, if it has one. */
    private static void reserveInitial(ModuleDescriptor module, InstanceOptions options, MemoryLimits limits,
            MemoryAccount account) {
        if (account != null) {
            long bytes = (long) limits.initialPages() * Memory.PAGE_SIZE;
            if (!account.reserve(bytes)) {
                throw new ModuleInstantiationException(module.label(), "instance '" + options.label() + "' asks for "
                        + bytes + " bytes of initial memory and the shared memory budget is exhausted");
            }
        }
    }

    /**
     * Whether closed instances of a module may be recycled: the pool is on, and nothing of the instance lives
     * outside what a scrub puts back or a new binding replaces: the adapter drives the guest through
     * {@code __guest_call} (no entry on a thread of its own), its own imports are host functions (linked
     * through {@link #forwarders}, so each reuse calls the new binding's, which hold the new instance's
     * context), and the module declares no exception tags (Chicory keeps thrown exceptions in the instance).
     */
    private boolean recyclable(ChicoryModule chicory, GuestBinding binding) {
        return settings.instancePoolSize() > 0 && binding.entry().isEmpty()
                && binding.imports().stream().allMatch(f -> f.sourceInstance() == null)
                && chicory.wasmModule().tagSection().isEmpty();
    }

    /** Whether a new binding has the imports (by index, module and name) a pooled instance was linked with. */
    private static boolean rebinds(InstancePool.Pooled pooled, GuestBinding binding) {
        List<ImportFunction> own = binding.imports();
        String[] names = pooled.target.ownNames;
        if (own.size() != names.length) {
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(own.get(i).module() + "." + own.get(i).name())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The adapter's own imports as Chicory links them into a recyclable instance: each calls the function at
     * its index in the target's {@code own}, which a later instance reusing the Chicory instance replaces with
     * its own binding's (the functions hold that instance's context).
     */
    private static List<ImportFunction> forwarders(WapcGuestInstance.ImportTarget target, List<ImportFunction> own) {
        ImportFunction[] current = own.toArray(new ImportFunction[0]);
        String[] names = new String[current.length];
        List<ImportFunction> out = new java.util.ArrayList<>(current.length);
        for (int i = 0; i < current.length; i++) {
            ImportFunction f = current[i];
            names[i] = f.module() + "." + f.name();
            int index = i;
            out.add(new com.dylibso.chicory.runtime.HostFunction(f.module(), f.name(), f.functionType(),
                    (instance, args) -> target.own[index].handle().apply(instance, args)));
        }
        target.own = current;
        target.ownNames = names;
        return out;
    }

    /**
     * Hands a pooled (scrubbed) Chicory instance to a new waPC instance: charges its memory to the new
     * instance's budget as a restored instance is charged (a refusal fails the instantiation as it would
     * there, and the pooled instance goes back to the pool), and points its imports at the new instance.
     */
    private void reuse(InstancePool.Pooled pooled, ImageSlot slot, MemoryImage image, ModuleDescriptor module,
            InstanceOptions options, MemoryLimits limits, MemoryAccount account, WapcGuestInstance wapc,
            GuestBinding binding) {
        try {
            reserveInitial(module, options, limits, account);
            long more = (long) (image.pages() - limits.initialPages()) * Memory.PAGE_SIZE;
            if (account != null && more > 0 && !account.reserve(more)) {
                throw image.refused(module.label(), options.label());
            }
        } catch (RuntimeException e) {
            slot.pool().offer(pooled); // still scrubbed: nothing ran in it
            throw e;
        }
        pooled.memory.charge(account);
        pooled.target.own = binding.imports().toArray(new ImportFunction[0]); // checked by rebinds
        wapc.adopt(pooled, binding);
        wapc.recycleWith(recycler(slot));
    }

    /**
     * Where a closed instance of an image slot goes: scrubbed on the closing thread (off the message path,
     * with no lock held), then into the slot's pool, or dropped when the pool is full or the scrub fails.
     */
    private WapcGuestInstance.Recycler recycler(ImageSlot slot) {
        return closed -> {
            if (!expunging.get() && expunging.compareAndSet(false, true)) {
                timer.every(EXPUNGE_PERIOD, prepared::expunge);
            }
            InstancePool pool = slot.pool();
            MemoryImage image = slot.image();
            if (image == null || !pool.hasRoom()) {
                return;
            }
            closed.target.current = null; // the closed instance is not reachable from the pool
            java.util.Arrays.fill(closed.target.own, null); // nor its (closed) binding's functions
            boolean scrubbed;
            try {
                scrubbed = image.scrub(closed.instance);
            } catch (RuntimeException e) {
                scrubbed = false;
            }
            if (scrubbed) {
                closed.bytes = closed.memory.ownBytes();
                pool.offer(closed);
            }
        };
    }

    /**
     * Prepares the normal initialisation of an instance to leave an image: records the imports its init
     * calls (through the linked functions, which it wraps in place, and the wapc instance). Null, with the
     * reason recorded, when the module cannot be imaged whatever its init does.
     */
    private static Capture capture(ChicoryModule chicory, ImageSlot slot, ModulePreparations.Prepared prep,
            GuestAdapter adapter, GuestBinding binding, ImportFunction[] linked, WapcGuestInstance wapc) {
        String why = binding.entry().isPresent()
                ? "its " + (adapter == null ? "" : adapter.language() + " ") + "guest entry runs on a thread of its own"
                : MemoryImage.unimageable(chicory.wasmModule());
        if (why != null) {
            slot.refuse(why);
            prep.imageDecided(slot.status());
            return null;
        }
        InitRecorder recorder = new InitRecorder();
        for (int i = 0; i < linked.length; i++) {
            if (!"wapc".equals(linked[i].module())) {
                linked[i] = recorder.watch(linked[i]);
            }
        }
        wapc.recordInit(recorder);
        return new Capture(slot, recorder, prep);
    }

    /** Links one instance by its module's cached plan, resolving (and caching) the plan when there is none yet. */
    private ImportFunction[] link(ModuleDescriptor module, ModulePreparations.PerAdapter perAdapter,
            WapcGuestInstance wapc, GuestAdapter adapter, GuestBinding binding, boolean recyclable) {
        List<ImportFunction> own = binding.imports();
        if (recyclable && !own.isEmpty()) {
            own = forwarders(wapc.importTarget(), own);
        }
        List<com.dylibso.chicory.runtime.HostFunction> protocol = wapc.wapcImports();
        LinkPlan plan = perAdapter.plan;
        if (plan == null || !plan.fits(own, protocol)) {
            plan = LinkPlan.resolve(module, own, protocol, () -> adapter == null
                    ? "no guest adapter recognises it (guest language: " + module.guestLanguage() + "; "
                            + describeAdapters() + ")"
                    : "guest adapter: " + adapter.language());
            perAdapter.plan = plan;
        }
        return plan.apply(own, protocol);
    }

    /**
     * Builds an instance without the module's data segments, start function or init, and copies the image
     * of an initialised instance into it.
     */
    private void restore(ChicoryModule chicory, InstanceOptions options, WapcGuestInstance wapc, ImportFunction[] linked,
            MemoryLimits limits, MemoryAccount account, GuestBinding binding, MemoryImage image) {
        ModuleDescriptor module = chicory.descriptor();
        Instance instance;
        try {
            instance = Instance.builder(chicory.wasmModule())
                    .withImportValues(ImportValues.builder().addFunction(linked).build())
                    .withMachineFactory(image.machineFactory(chicory.machineFactory()))
                    .withMemoryFactory(l -> new PagedMemory(l, account, image.restoredSegments()))
                    .withMemoryLimits(limits)
                    .withTableFactory(new TableAllowance(module.label(), options.label(), settings.maxTableEntries()))
                    .withStart(false)
                    .build();
        } catch (ModuleInstantiationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModuleInstantiationException(module.label(), "Chicory cannot instantiate it: " + describe(e), e);
        }
        image.restore(instance, module.label(), options.label());
        wapc.adopt(instance, binding);
    }

    /** Takes the image of an instance being initialised normally, or records why there is none. */
    private static final class Capture {
        private final ImageSlot slot;
        private final InitRecorder recorder;
        private final ModulePreparations.Prepared prepared;
        private MemoryImage.Before before;

        Capture(ImageSlot slot, InitRecorder recorder, ModulePreparations.Prepared prepared) {
            this.slot = slot;
            this.recorder = recorder;
            this.prepared = prepared;
        }

        void built(Instance instance) {
            before = MemoryImage.Before.of(instance);
        }

        void initialised(Instance instance) {
            recorder.stop();
            String call = recorder.firstCall();
            if (call != null) {
                slot.refuse("init called " + call);
            } else if (instance.memory() instanceof PagedMemory && ((PagedMemory) instance.memory()).refusedByBudget()) {
                return; // init saw the shared budget refuse memory: not the state init has in general, try next time
            } else {
                try {
                    slot.offer(before.capture(instance));
                } catch (RuntimeException e) {
                    slot.refuse(e.getMessage() == null ? e.toString() : e.getMessage());
                }
            }
            prepared.imageDecided(slot.status());
        }
    }

    /**
     * Builds the instance (which runs the module's start section) and runs the init convention, under the
     * call timeout; then, when it succeeded, takes the memory image if asked to.
     */
    private void initialise(ModuleDescriptor module, InstanceOptions options, WapcGuestInstance wapc,
            Instance.Builder builder, GuestBinding binding, Capture capture) {
        CallTimer.Deadline deadline;
        try {
            deadline = timer.start(options.callTimeout());
        } catch (IllegalStateException e) {
            throw new ModuleInstantiationException(module.label(), e.getMessage(), e);
        }
        String stage = "Chicory cannot instantiate it: ";
        RuntimeException failure = null;
        Throwable failed = null;
        boolean timedOut;
        Instance instance = null;
        try {
            instance = builder.build();
            stage = "initialisation failed: ";
            if (capture != null) {
                capture.built(instance);
            }
            wapc.start(instance, binding);
        } catch (ModuleInstantiationException e) {
            failure = e;
            failed = e;
        } catch (RuntimeException | StackOverflowError e) {
            failed = e;
        } finally {
            timedOut = deadline != null && deadline.finish();
        }
        if (timedOut) {
            throw new ModuleInstantiationException(module.label(), "instance '" + options.label()
                    + "': initialisation " + deadline.describe(), failed);
        }
        if (failure != null) {
            throw failure;
        }
        if (failed != null) {
            throw new ModuleInstantiationException(module.label(), stage + describe(failed), failed);
        }
        if (capture != null) {
            capture.initialised(instance); // host work, outside the guest's deadline
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "call stack exhausted";
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /**
     * Checks what waPC needs of every module: a memory, and a {@code __guest_call} of the right type when it
     * exports one. A module without it needs an adapter that drives it (checked once bound).
     */
    private static void checkWapcShape(ModuleDescriptor module) {
        var guestCall = module.export("__guest_call");
        if (guestCall.isPresent() && guestCall.get().kind() != ExternalKind.FUNCTION) {
            throw new ModuleInstantiationException(module.label(),
                    "it does not export the waPC function __guest_call(i32, i32) -> i32; is it a waPC guest?");
        }
        if (guestCall.isPresent() && !guestCall.get().type().equals(GUEST_CALL_TYPE)) {
            throw new ModuleInstantiationException(module.label(),
                    "its __guest_call has type " + guestCall.get().type() + ", waPC needs " + GUEST_CALL_TYPE);
        }
        if (!module.memory().exported()) {
            throw new ModuleInstantiationException(module.label(),
                    "it exports no memory named 'memory'; waPC passes every payload through it");
        }
    }

    private MemoryLimits memoryLimits(ModuleDescriptor module, InstanceOptions options) {
        int cap = options.maxMemoryPages() >= 0 ? options.maxMemoryPages() : settings.defaultMaxMemoryPages();
        int initial = module.memory().initialPages();
        if (initial > cap) {
            throw new ModuleInstantiationException(module.label(), "its memory starts at " + initial
                    + " pages (" + initial * 64 + " KiB), over the cap of " + cap + " pages (" + cap * 64 + " KiB)");
        }
        int max = module.memory().declaresMaximum() ? Math.min(module.memory().maximumPages(), cap) : cap;
        return new MemoryLimits(initial, max);
    }

    private GuestAdapter bestAdapter(ModuleDescriptor module) {
        GuestAdapter best = null;
        int bestScore = 0;
        for (GuestAdapter adapter : adapters) {
            int score;
            try {
                score = adapter.recognise(module);
            } catch (RuntimeException e) {
                continue; // a broken adapter must not stop other modules from loading
            }
            if (score > bestScore) {
                best = adapter;
                bestScore = score;
            }
        }
        return best;
    }

    /** The adapters available now and what each supplies, for the error of a module no adapter takes. */
    private String describeAdapters() {
        Map<String, List<String>> supplies = guestAdapterSupplies();
        if (supplies.isEmpty()) {
            return "no guest adapters are installed";
        }
        return "guest adapters: " + supplies.entrySet().stream()
                .map(e -> e.getKey() + (e.getValue().isEmpty() ? "" : " supplies " + String.join(" ", e.getValue())))
                .collect(Collectors.joining(", "));
    }
}
