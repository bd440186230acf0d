package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.kelpie.api.module.ModuleDescriptor;
import java.util.function.Function;
import org.osgi.annotation.versioning.ProviderType;

/** A parsed, validated and (unless interpreted) compiled module, ready to instantiate many times. */
@ProviderType
public interface CompiledModule {
    ModuleDescriptor descriptor();

    /** Chicory's parsed module. */
    WasmModule wasmModule();

    /**
     * The machine factory to build every instance with: compiled once for the module, or Chicory's
     * interpreter in interpreted mode.
     */
    Function<Instance, Machine> machineFactory();
}
