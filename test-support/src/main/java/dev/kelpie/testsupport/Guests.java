package dev.kelpie.testsupport;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed guest modules of {@code kelpie-example-modules} (classpath resources under {@code /wasm/}),
 * installed once per JVM: a Go module takes seconds to compile.
 */
public final class Guests {
    /** The registry of compiled modules (the default execution mode). */
    public static final ChicoryModuleRegistry COMPILED = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    /** A registry whose modules run in Chicory's interpreter. */
    public static final ChicoryModuleRegistry INTERPRETED =
            new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED));

    private static final Map<String, CompiledModule> INSTALLED = new ConcurrentHashMap<>();

    private Guests() {}

    /** The bytes of a classpath resource, e.g. {@code /wasm/rust/testbed.wasm}. */
    public static byte[] bytes(String resource) {
        try (InputStream in = Guests.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test module " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Go guest: wasm-modules/go/NAME/NAME.wasm, installed as {@code go-NAME.wasm}. */
    public static CompiledModule go(String name) {
        return install(COMPILED, "go-" + name + ".wasm", "/wasm/go/" + name + "/" + name + ".wasm");
    }

    /** A C guest: wasm-modules/c/NAME/NAME.wasm, compiled. */
    public static CompiledModule c(String name) {
        return c(name, ExecutionMode.COMPILED);
    }

    /** A C guest in an execution mode, installed as {@code c-NAME.wasm}. */
    public static CompiledModule c(String name, ExecutionMode mode) {
        return install(mode == ExecutionMode.INTERPRETED ? INTERPRETED : COMPILED, "c-" + name + ".wasm",
                "/wasm/c/" + name + "/" + name + ".wasm");
    }

    /** A WAT test module: wasm-modules/wat/NAME.wasm, installed as {@code NAME.wasm}. */
    public static CompiledModule wat(String name) {
        return install(COMPILED, name + ".wasm", "/wasm/wat/" + name + ".wasm");
    }

    /** A Rust guest: the resource /wasm/rust/NAME.wasm, installed as {@code NAME.wasm}. */
    public static CompiledModule rust(String name) {
        return install(COMPILED, name + ".wasm", "/wasm/rust/" + name + ".wasm");
    }

    private static CompiledModule install(ChicoryModuleRegistry registry, String fileName, String resource) {
        String key = (registry == INTERPRETED ? "interpreted:" : "compiled:") + resource;
        return INSTALLED.computeIfAbsent(key, k -> registry.install(fileName, bytes(resource)));
    }
}
