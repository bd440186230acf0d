package dev.kelpie.api.wapc;

import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** Creates waPC instances of compiled modules and dispatches their host calls to host functions. */
@ProviderType
public interface WapcHost {

    /**
     * Instantiates a module: links the nine {@code wapc} imports and whatever the best-fitting guest
     * adapter supplies, then runs the init convention ({@code _start}, {@code _initialize},
     * {@code wapc_init}, each when exported; {@code proc_exit(0)} during init is success).
     *
     * @throws ModuleInstantiationException naming the module and what is missing or failed
     */
    WapcInstance instantiate(CompiledModule module, InstanceOptions options);

    /** Keys of the host functions guests can call now. */
    List<HostFunctionKey> hostFunctions();

    /** Languages of the guest adapters available now. */
    List<String> guestAdapters();

    /**
     * The guest adapters available now and the imports each supplies ({@code GuestAdapter.supplies()}), by
     * language in name order. By default every adapter of {@link #guestAdapters()} with no imports listed.
     */
    default Map<String, List<String>> guestAdapterSupplies() {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        guestAdapters().forEach(language -> out.put(language, List.of()));
        return out;
    }

    /**
     * The language of the guest adapter that would link a module instantiated now (the one that recognises
     * it best), or empty when none does (the module then gets only the {@code wapc} imports).
     */
    default Optional<String> guestAdapterFor(ModuleDescriptor module) {
        return Optional.empty();
    }

    /**
     * Whether new instances of a module start from a memory image of an initialised instance instead of
     * running its init again: {@code yes}; {@code no (why)}, such as {@code no (init called
     * wasi_snapshot_preview1.clock_time_get)}; {@code off} when the host takes no images; or {@code -} while
     * unknown (no instance made yet). By default {@code -}.
     */
    default String memoryImage(ModuleDescriptor module) {
        return "-";
    }
}
