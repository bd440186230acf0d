package dev.kelpie.api.wasm;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestConsole;

/**
 * What an adapter learns about the instance it binds to.
 *
 * @param module the module being instantiated
 * @param instanceLabel the actor or label of the instance
 * @param console where guest output (stdout, stderr, abort messages) goes
 * @param environment what a WASI guest is given ({@link GuestEnvironment#NONE} when null); its directory, if
 *     any, is an absolute host path
 */
public record GuestContext(ModuleDescriptor module, String instanceLabel, GuestConsole console,
        GuestEnvironment environment) {
    public GuestContext {
        environment = environment == null ? GuestEnvironment.NONE : environment;
    }

    /** A context without a guest environment. */
    public GuestContext(ModuleDescriptor module, String instanceLabel, GuestConsole console) {
        this(module, instanceLabel, console, GuestEnvironment.NONE);
    }

    /** Writes one line of guest output to the console. */
    public void log(String line) {
        console.log(module, instanceLabel, line);
    }
}
