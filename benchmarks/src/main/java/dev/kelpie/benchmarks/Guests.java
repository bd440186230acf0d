package dev.kelpie.benchmarks;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The test guests of {@code kelpie-example-modules}, read from the classpath. */
public final class Guests {
    /** The Rust testbed: imports only {@code wapc.*}, memory starts at 17 pages. */
    public static final String RUST = "/wasm/rust/testbed.wasm";
    /** The AssemblyScript testbed: {@code wapc.*} plus {@code env.abort}, memory starts at 1 page. */
    public static final String ASSEMBLYSCRIPT = "/wasm/assemblyscript/testbed.wasm";

    private Guests() {}

    /** {@code rust} or {@code assemblyscript} (the benchmarks' {@code guest} parameter) to a resource. */
    public static String resource(String guest) {
        switch (guest) {
            case "rust": return RUST;
            case "assemblyscript": return ASSEMBLYSCRIPT;
            default: throw new IllegalArgumentException("unknown guest " + guest);
        }
    }

    public static byte[] bytes(String resource) {
        try (InputStream in = Guests.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath (kelpie-example-modules)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Installs a guest into a fresh registry: parsed, validated and (unless interpreted) compiled once. */
    public static CompiledModule compile(String resource, ExecutionMode mode) {
        ChicoryModuleRegistry registry =
                new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode));
        return registry.install(resource.substring("/wasm/".length()), bytes(resource)); // e.g. rust/testbed.wasm
    }

    /** Fails loudly if a response is not what the benchmark expects (run once in every setup). */
    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark sanity check failed: " + what);
        }
    }
}
