package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.kelpie.api.module.CompiledModule;
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
