package dev.kelpie.guest.wasi;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Test helper: the committed guest modules (kelpie-example-modules), compiled once per JVM. */
final class Guests {
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

    /** A C guest: wasm-modules/c/NAME/NAME.wasm. */
    static CompiledModule c(String name) {
        return c(name, ExecutionMode.COMPILED);
    }

    static CompiledModule c(String name, ExecutionMode mode) {
        ChicoryModuleRegistry registry = mode == ExecutionMode.INTERPRETED ? INTERPRETED : COMPILED;
        return registry.install(name + ".wasm", bytes("/wasm/c/" + name + "/" + name + ".wasm"));
    }

    static CompiledModule wat(String name) {
        return COMPILED.install(name + ".wasm", bytes("/wasm/wat/" + name + ".wasm"));
    }

    static CompiledModule rust(String name) {
        return COMPILED.install(name + ".wasm", bytes("/wasm/rust/" + name + ".wasm"));
    }
}
