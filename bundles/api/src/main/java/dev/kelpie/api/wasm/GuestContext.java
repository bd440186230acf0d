package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.ImportFunction;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestConsole;
import java.util.List;
import java.util.Optional;

/**
 * What an adapter learns about the instance it binds to.
 *
 * @param module the module being instantiated
 * @param instanceLabel the actor or label of the instance
 * @param console where guest output (stdout, stderr, abort messages) goes
 * @param environment what a WASI guest is given ({@link GuestEnvironment#NONE} when null); its directory, if
 *     any, is an absolute host path
 * @param wapcFunctions the instance's nine {@code wapc} host functions ({@code __guest_request},
 *     {@code __host_call}, …), bound to its per-call protocol state, for adapters whose guest cannot import
 *     them and reaches waPC another way (MicroPython's JS-proxy hooks); the adapter calls their
 *     {@code handle()} with the instance. Empty when the host offers none.
 * @param compiled the compiled module being instantiated, or null when the host does not say
 */
public record GuestContext(ModuleDescriptor module, String instanceLabel, GuestConsole console,
        GuestEnvironment environment, List<ImportFunction> wapcFunctions, ChicoryModule compiled) {
    public GuestContext {
        environment = environment == null ? GuestEnvironment.NONE : environment;
        wapcFunctions = wapcFunctions == null ? List.of() : List.copyOf(wapcFunctions);
    }

    /** A context without a guest environment. */
    public GuestContext(ModuleDescriptor module, String instanceLabel, GuestConsole console) {
        this(module, instanceLabel, console, GuestEnvironment.NONE);
    }

    /** A context without waPC functions or compiled module (guests that import what they need). */
    public GuestContext(ModuleDescriptor module, String instanceLabel, GuestConsole console,
            GuestEnvironment environment) {
        this(module, instanceLabel, console, environment, List.of(), null);
    }

    /** Writes one line of guest output to the console. */
    public void log(String line) {
        console.log(module, instanceLabel, line);
    }

    /**
     * The content of a custom section of the module being instantiated ({@link ChicoryModule#customSection});
     * empty when it has none or the host did not say which module it is.
     */
    public Optional<byte[]> customSection(String name) {
        return compiled == null ? Optional.empty() : compiled.customSection(name);
    }

    /**
     * The waPC host function {@code wapc.<name>} of this instance.
     *
     * @throws IllegalStateException when the host offered none of that name
     */
    public ImportFunction wapcFunction(String name) {
        for (ImportFunction f : wapcFunctions) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalStateException("the waPC host offers no function wapc." + name + " to the guest adapter of "
                + module.label());
    }
}
