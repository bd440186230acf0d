package dev.kelpie.api.module;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Installs, compiles once, caches and describes WebAssembly modules. A module's identity is the SHA-256
 * of its bytes: the same bytes installed twice, also concurrently, are parsed and compiled once.
 */
@ProviderType
public interface ModuleRegistry {

    /**
     * Installs a module from bytes: size cap, parse, validate, hash, compile (or a cache hit).
     *
     * @param name a label for messages and listings (a file name, bundle entry or caller's name)
     * @throws ModuleRejectedException with the reason; nothing is registered then
     */
    CompiledModule install(String name, byte[] bytes);

    /** Installs a module read from a file; the name is the file name. */
    CompiledModule install(Path file);

    /** The compiled module with that hash, if installed. */
    Optional<CompiledModule> find(ModuleHash hash);

    /** Every installed module, by name then hash. */
    List<ModuleDescriptor> list();

    /**
     * Removes a module from the registry. Instances already created keep working; once they are closed
     * the module's compiled classes can be collected.
     *
     * @return whether a module with that hash was installed
     */
    boolean remove(ModuleHash hash);

    /** The configured size cap in bytes. */
    long maxModuleBytes();

    /**
     * Offers code compiled ahead of time for a module (a module bundle carries it beside the module) to the
     * next install of that module. The registry takes it only when it is intact, for exactly that module
     * and from the compiler it runs; otherwise the module is compiled as usual.
     *
     * @param module the SHA-256 of the module's bytes
     * @param code the compiled code as the registry's build-time compiler wrote it
     * @return whether the code was taken; false also for a registry that does not support it
     */
    default boolean offerCompiledCode(ModuleHash module, byte[] code) {
        return false;
    }
}
