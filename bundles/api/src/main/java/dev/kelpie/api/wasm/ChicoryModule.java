package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.kelpie.api.module.CompiledModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import java.util.Optional;
import java.util.function.Function;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The Chicory side of a {@link CompiledModule}: what the waPC host and guest adapters need to build
 * instances. Every module the registry hands out is one.
 */
@ProviderType
public interface ChicoryModule extends CompiledModule {

    /** Chicory's parsed module. */
    WasmModule wasmModule();

    /**
     * The machine factory to build every instance with: compiled once for the module, or Chicory's
     * interpreter in interpreted mode.
     */
    Function<Instance, Machine> machineFactory();

    /**
     * The content of the module's custom section of that name (the first, when there are several), for
     * sections Chicory does not decode itself (not {@code name}); empty when it has none. Modules that differ
     * only in custom sections may share one {@link #wasmModule()}, so read them here rather than there.
     */
    default Optional<byte[]> customSection(String name) {
        CustomSection section = wasmModule().customSection(name);
        return section instanceof UnknownCustomSection
                ? Optional.of(((UnknownCustomSection) section).bytes().clone()) : Optional.empty();
    }

    /**
     * The Chicory view of a compiled module.
     *
     * @throws IllegalArgumentException when the module did not come from a Chicory-backed registry
     */
    static ChicoryModule of(CompiledModule module) {
        if (module instanceof ChicoryModule) {
            return (ChicoryModule) module;
        }
        throw new IllegalArgumentException("module " + (module == null ? "null" : module.descriptor().label())
                + " was not compiled by a Chicory-backed registry");
    }
}
