package dev.kelpie.wapc;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test helper: the committed guest modules, compiled once per JVM. */
final class Guests {
    static final String RUST = "/wasm/rust/testbed.wasm";
    static final String ASSEMBLYSCRIPT = "/wasm/assemblyscript/testbed.wasm";

    static final ChicoryModuleRegistry COMPILED = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    static final ChicoryModuleRegistry INTERPRETED =
            new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED));

    private Guests() {}

    static byte[] bytes(String resource) {
        try (InputStream in = Guests.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test module " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CompiledModule compiled(String resource) {
        return COMPILED.install(resource.substring(resource.lastIndexOf('/') + 1), bytes(resource));
    }

    static CompiledModule wat(String name) {
        return compiled("/wasm/wat/" + name + ".wasm");
    }
}
