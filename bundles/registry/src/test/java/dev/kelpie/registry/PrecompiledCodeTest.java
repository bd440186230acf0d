package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.instantiate;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleHash;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Code compiled at build time ({@link Precompile}) and offered by a module bundle. */
class PrecompiledCodeTest {
    private static final long MAX = ChicoryModuleRegistry.DEFAULT_COMPILE_CACHE_MAX_BYTES;

    @TempDir
    Path dir;

    @Test
    void offeredCodeIsUsedInsteadOfCompiling() {
        byte[] bytes = bytes(TestModules.RUST);
        CompileCache cache = new CompileCache(dir, MAX);
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, cache);

        assertThat(registry.offerCompiledCode(ModuleHash.sha256(bytes), Precompile.compile(bytes))).isTrue();
        CompiledModule module = registry.install("testbed.wasm", bytes);

        // neither looked up nor written: the bundle's code was loaded
        assertThat(cache.misses() + cache.hits() + cache.writes()).isZero();
        instantiate(module, TestModules.noOpWapcImports()).export("wapc_init").apply();
    }

    @Test
    void withoutAnOfferTheModuleIsCompiledIntoTheCache() {
        CompileCache cache = new CompileCache(dir, MAX);
        new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, cache).install("testbed.wasm", bytes(TestModules.RUST));
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(cache.writes()).isEqualTo(1);
    }

    @Test
    void codeOfOtherBytesIsRefused() {
        byte[] bytes = wat("no-guest-call");
        byte[] changed = TestModules.withCustomSection(bytes, "kelpie-test", new byte[] {1});
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

        // the bundle's module was rebuilt but its code was not: refused, compiled
        assertThat(registry.offerCompiledCode(ModuleHash.sha256(changed), Precompile.compile(bytes))).isFalse();
        CompiledModule module = registry.install("changed.wasm", changed);
        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
    }

    @Test
    void damagedCodeOrCodeOfAnotherCompilerIsRefused() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        byte[] code = Precompile.compile(bytes);
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

        byte[] flipped = code.clone();
        flipped[flipped.length / 3] ^= 0x40;
        assertThat(registry.offerCompiledCode(hash, flipped)).isFalse();
        assertThat(registry.offerCompiledCode(hash, java.util.Arrays.copyOf(code, code.length - 1))).isFalse();
        byte[] classes = CompiledCode.unwrap(code, hash, CompilerIdentity.current());
        assertThat(registry.offerCompiledCode(hash, CompiledCode.wrap(hash, "chicory=9.9.9;compiler=0;fallback=SILENT", classes)))
                .isFalse();
        assertThat(registry.offerCompiledCode(hash, null)).isFalse();
    }

    @Test
    void theInterpreterTakesNoCode() {
        byte[] bytes = wat("no-guest-call");
        ChicoryModuleRegistry interpreted =
                new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED));
        assertThat(interpreted.offerCompiledCode(ModuleHash.sha256(bytes), Precompile.compile(bytes))).isFalse();
    }

    @Test
    void offeredCodeThatDoesNotLoadIsCompiledInstead() throws Exception {
        byte[] bytes = wat("no-guest-call");
        ModuleHash hash = ModuleHash.sha256(bytes);
        byte[] broken = CompiledCode.wrap(hash, CompilerIdentity.current(),
                CompileCacheTest.jar("mainClass=com.example.Missing\n", "com/example/Other.class", new byte[] {1, 2, 3}));
        CompileCache cache = new CompileCache(dir, MAX);
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, cache);

        assertThat(registry.offerCompiledCode(hash, broken)).isTrue(); // intact, so taken
        CompiledModule module = registry.install("hello.wasm", bytes);

        assertThat(instantiate(module).export("hello").apply()).containsExactly(42L);
        assertThat(cache.writes()).isEqualTo(1);
    }

    @Test
    void anOfferLastsOneInstall() {
        byte[] bytes = wat("no-guest-call");
        CompileCache cache = new CompileCache(dir, MAX);
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS, cache);
        registry.offerCompiledCode(ModuleHash.sha256(bytes), Precompile.compile(bytes));
        CompiledModule first = registry.install("hello.wasm", bytes);
        registry.remove(first.descriptor().hash());

        registry.install("hello.wasm", bytes);

        assertThat(cache.misses()).isEqualTo(1); // the second install looked in the cache: the offer was used up
    }

    @Test
    void precompileWritesCodeBesideTheModuleName() throws Exception {
        Path wasm = dir.resolve("hello.wasm");
        Files.write(wasm, wat("no-guest-call"));
        Path out = dir.resolve("out");

        Precompile.main(new String[] {out.toString(), wasm.toString(), "renamed.wasm=" + wasm});

        for (String name : new String[] {"hello.wasm", "renamed.wasm"}) {
            byte[] code = Files.readAllBytes(out.resolve(name + CompiledCode.BUNDLE_SUFFIX));
            assertThat(new ChicoryModuleRegistry(RegistrySettings.DEFAULTS)
                    .offerCompiledCode(ModuleHash.sha256(wat("no-guest-call")), code)).isTrue();
        }
    }
}
