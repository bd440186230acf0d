package dev.kelpie.guest.go;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test helper: the committed guest modules (kelpie-example-modules), compiled once per JVM. */
final class Guests {
    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    private static final Map<String, CompiledModule> COMPILED = new ConcurrentHashMap<>();

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

    /** A Go guest: wasm-modules/go/NAME/NAME.wasm, compiled once (a Go module takes seconds to compile). */
    static CompiledModule go(String name) {
        return COMPILED.computeIfAbsent("go/" + name,
                k -> REGISTRY.install("go-" + name + ".wasm", bytes("/wasm/go/" + name + "/" + name + ".wasm")));
    }

    /** A C guest: wasm-modules/c/NAME/NAME.wasm. */
    static CompiledModule c(String name) {
        return COMPILED.computeIfAbsent("c/" + name,
                k -> REGISTRY.install("c-" + name + ".wasm", bytes("/wasm/c/" + name + "/" + name + ".wasm")));
    }

    static CompiledModule wat(String name) {
        return COMPILED.computeIfAbsent("wat/" + name,
                k -> REGISTRY.install(name + ".wasm", bytes("/wasm/wat/" + name + ".wasm")));
    }
}
