package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
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
    }

    private final WapcSettings settings;
    private final HostFunctionTable hostFunctions = new HostFunctionTable();
    private final CopyOnWriteArrayList<GuestAdapter> adapters = new CopyOnWriteArrayList<>();
    private volatile GuestConsole console = GuestConsole.systemLogger();

    @Activate
    public ChicoryWapcHost(Config config) {
        this(new WapcSettings(config.max__memory__pages()));
    }

    public ChicoryWapcHost(WapcSettings settings) {
        this.settings = settings;
    }

    // ---- whiteboard: host functions ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHostFunction(HostFunction function, Map<String, Object> properties) {
        hostFunctions.add(keyOf(properties), function);
    }

    void removeHostFunction(HostFunction function, Map<String, Object> properties) {
        hostFunctions.remove(keyOf(properties), function);
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
        WapcGuestInstance wapc = new WapcGuestInstance(module, options, hostFunctions, guestConsole);
        GuestAdapter adapter = bestAdapter(module);
        GuestBinding binding = adapter == null
                ? List::of
                : adapter.bind(new GuestContext(module, options.label(), guestConsole));
        try {
            ImportValues imports = link(module, wapc, adapter, binding);
            Instance instance;
            try {
                instance = Instance.builder(chicory.wasmModule())
                        .withImportValues(imports)
                        .withMachineFactory(chicory.machineFactory())
                        .withMemoryFactory(ByteArrayMemory::new)
                        .withMemoryLimits(limits)
                        .withStart(false)
                        .build();
            } catch (RuntimeException | StackOverflowError e) {
                throw new ModuleInstantiationException(module.label(), "Chicory cannot instantiate it: " + e.getMessage(), e);
            }
            try {
                wapc.start(instance, binding);
            } catch (RuntimeException | StackOverflowError e) {
                throw new ModuleInstantiationException(module.label(), "initialisation failed: " + describe(e), e);
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

    private static String describe(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "call stack exhausted";
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static void checkWapcShape(ModuleDescriptor module) {
        var guestCall = module.export("__guest_call");
        if (guestCall.isEmpty() || guestCall.get().kind() != ExternalKind.FUNCTION) {
            throw new ModuleInstantiationException(module.label(),
                    "it does not export the waPC function __guest_call(i32, i32) -> i32; is it a waPC guest?");
        }
        if (!guestCall.get().type().equals(GUEST_CALL_TYPE)) {
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

    private static ImportValues link(ModuleDescriptor module, WapcGuestInstance wapc, GuestAdapter adapter,
            GuestBinding binding) {
        Map<String, ImportFunction> available = new HashMap<>();
        for (ImportFunction f : binding.imports()) {
            available.put(f.module() + "\u0000" + f.name(), f);
        }
        for (ImportFunction f : wapc.wapcImports()) {
            available.put(f.module() + "\u0000" + f.name(), f);
        }
        List<ImportFunction> linked = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (ModuleImport imp : module.imports()) {
            if (imp.kind() != ExternalKind.FUNCTION) {
                missing.add(imp.module() + "." + imp.name() + " (" + imp.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + " " + imp.type() + ")");
                continue;
            }
            ImportFunction f = available.get(imp.module() + "\u0000" + imp.name());
            if (f == null) {
                missing.add(imp.module() + "." + imp.name() + " " + imp.type());
            } else if (!signature(f).equals(imp.type())) {
                missing.add(imp.module() + "." + imp.name() + " " + imp.type() + " (the host has " + signature(f) + ")");
            } else {
                linked.add(f);
            }
        }
        if (!missing.isEmpty()) {
            String who = adapter == null
                    ? "no guest adapter recognises it (guest language: " + module.guestLanguage() + ")"
                    : "guest adapter: " + adapter.language();
            throw new ModuleInstantiationException(module.label(), "it imports what the host cannot satisfy: "
                    + String.join(", ", missing) + "; " + who);
        }
        return ImportValues.builder().withFunctions(linked).build();
    }

    private static String signature(ImportFunction f) {
        return FunctionTypes.describe(f.paramTypes(), f.returnTypes());
    }
}
