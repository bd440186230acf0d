package dev.kelpie.registry;

import dev.kelpie.api.wasm.ChicoryModule;
import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.instantiate;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ExternalKind;
import dev.kelpie.api.module.MemoryShape;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleExport;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.module.CompiledModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallAndDescribeTest {

    private final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    @Test
    void rustTestbedIsDescribed() {
        byte[] bytes = bytes(TestModules.RUST);
        Instant before = Instant.now();

        CompiledModule module = registry.install("rust-testbed.wasm", bytes);
        ModuleDescriptor d = module.descriptor();

        assertThat(d.hash().hex()).matches("[0-9a-f]{64}").isEqualTo(TestModules.sha256Hex(bytes));
        assertThat(d.hash().shortHex()).isEqualTo(d.hash().hex().substring(0, 12));
        assertThat(d.name()).isEqualTo("rust-testbed.wasm");
        assertThat(d.label()).isEqualTo("rust-testbed.wasm@" + d.hash().shortHex());
        assertThat(d.sizeBytes()).isEqualTo(bytes.length);
        assertThat(d.imports())
                .extracting(ModuleImport::module, ModuleImport::name, ModuleImport::kind, ModuleImport::type)
                .containsExactly(
                        tuple("wapc", "__host_call", ExternalKind.FUNCTION,
                                "(i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)"),
                        tuple("wapc", "__host_error_len", ExternalKind.FUNCTION, "() -> (i32)"),
                        tuple("wapc", "__host_error", ExternalKind.FUNCTION, "(i32) -> ()"),
                        tuple("wapc", "__host_response_len", ExternalKind.FUNCTION, "() -> (i32)"),
                        tuple("wapc", "__host_response", ExternalKind.FUNCTION, "(i32) -> ()"),
                        tuple("wapc", "__console_log", ExternalKind.FUNCTION, "(i32, i32) -> ()"),
                        tuple("wapc", "__guest_request", ExternalKind.FUNCTION, "(i32, i32) -> ()"),
                        tuple("wapc", "__guest_response", ExternalKind.FUNCTION, "(i32, i32) -> ()"),
                        tuple("wapc", "__guest_error", ExternalKind.FUNCTION, "(i32, i32) -> ()"));
        assertThat(d.exports())
                .extracting(ModuleExport::name, ModuleExport::kind, ModuleExport::type)
                .containsExactly(
                        tuple("memory", ExternalKind.MEMORY, "pages 2..none"),
                        tuple("wapc_init", ExternalKind.FUNCTION, "() -> ()"),
                        tuple("__guest_call", ExternalKind.FUNCTION, "(i32, i32) -> (i32)"));
        assertThat(d.exportsFunction("__guest_call")).isTrue();
        assertThat(d.exportsFunction("memory")).isFalse();
        assertThat(d.export("nope")).isEmpty();
        assertThat(d.memory()).isEqualTo(new MemoryShape(2, -1, true, false));
        assertThat(d.memory().declaresMaximum()).isFalse();
        assertThat(d.guestLanguage()).isEqualTo("rust");
        assertThat(d.executionMode()).isEqualTo(ExecutionMode.COMPILED);
        assertThat(d.compileMillis()).isGreaterThanOrEqualTo(0);
        assertThat(d.installedAt()).isBetween(before, Instant.now());

        assertThat(registry.list()).containsExactly(d);
        assertThat(registry.find(d.hash())).containsSame(module);
        assertThat(registry.find(ModuleHash.parse(TestModules.sha256Hex(bytes)))).containsSame(module);
    }

    @Test
    void rustTestbedInstantiatesWithItsCompiledFactory() {
        CompiledModule module = registry.install("rust-testbed.wasm", bytes(TestModules.RUST));
        assertThat(ChicoryModule.of(module).machineFactory()).isNotNull();
        assertThat(ChicoryModule.of(module).wasmModule()).isNotNull();

        Instance instance = instantiate(module, TestModules.noOpWapcImports());
        instance.export("wapc_init").apply();

        assertThat(instance.getMachine()).isNotInstanceOf(InterpreterMachine.class);
        assertThat(instance.getMachine().getClass().getClassLoader())
                .isNotSameAs(InterpreterMachine.class.getClassLoader());
        assertThat(instance.memory().pages()).isGreaterThanOrEqualTo(2);
        // A second instance from the same factory is independent.
        Instance second = instantiate(module, TestModules.noOpWapcImports());
        assertThat(second).isNotSameAs(instance);
        assertThat(second.getMachine().getClass()).isSameAs(instance.getMachine().getClass());
    }

    @Test
    void producersSectionIsReadAndNamesTheLanguage() {
        // The committed Rust testbed is built with -C strip=symbols, which drops the producers section,
        // so a producers section naming Rust is appended to a WAT module here.
        byte[] bytes = TestModules.withCustomSection(wat("no-guest-call"), "producers",
                TestModules.producers("Rust", "", "rustc", "1.63.0"));

        ModuleDescriptor d = registry.install("with-producers.wasm", bytes).descriptor();

        assertThat(d.producers()).isEqualTo("language=Rust; processed-by=rustc 1.63.0");
        assertThat(d.guestLanguage()).isEqualTo("rust");
    }

    @Test
    void strippedRustIsRecognisedByItsStandardLibraryPanicPaths() {
        // (module (memory 1) (data (i32.const 16) "library/core/src/panicking.rs"))
        byte[] bytes = {
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0b, 0x23, 0x01,
            0x00, 0x41, 0x10, 0x0b, 0x1d, 0x6c, 0x69, 0x62, 0x72, 0x61, 0x72, 0x79, 0x2f, 0x63, 0x6f, 0x72,
            0x65, 0x2f, 0x73, 0x72, 0x63, 0x2f, 0x70, 0x61, 0x6e, 0x69, 0x63, 0x6b, 0x69, 0x6e, 0x67, 0x2e,
            0x72, 0x73
        };

        assertThat(registry.install("stripped-rust.wasm", bytes).descriptor().guestLanguage()).isEqualTo("rust");
        // A producers section naming another language wins over the heuristic.
        byte[] withC = TestModules.withCustomSection(bytes, "producers", TestModules.producers("C11", "", "clang", "14"));
        assertThat(registry.install("c.wasm", withC).descriptor().guestLanguage()).isEqualTo("c");
        // Go builds with -ldflags=-buildid= have no go:buildid section, but their producers section names Go
        byte[] withGo = TestModules.withCustomSection(bytes, "producers", TestModules.producers("Go", "go1.23.5", "", ""));
        assertThat(registry.install("go.wasm", withGo).descriptor().guestLanguage()).isEqualTo("go");
    }

    @Test
    void malformedProducersSectionIsOnlyMetadata() {
        // Claims 5 fields and then ends: the module installs, the readable part is described.
        byte[] bytes = TestModules.withCustomSection(wat("no-guest-call"), "producers", new byte[] {0x05});

        ModuleDescriptor d = registry.install("bad-producers.wasm", bytes).descriptor();

        assertThat(d.producers()).isEmpty();
        assertThat(d.guestLanguage()).isEqualTo("unknown");
    }

    @Test
    void assemblyScriptTestbedIsRecognised() {
        byte[] bytes = bytes(TestModules.ASSEMBLYSCRIPT);

        ModuleDescriptor d = registry.install("as-testbed.wasm", bytes).descriptor();

        assertThat(d.guestLanguage()).isEqualTo("assemblyscript");
        assertThat(d.imports()).contains(
                new ModuleImport("env", "abort", ExternalKind.FUNCTION, "(i32, i32, i32, i32) -> ()"));
        assertThat(d.imports()).filteredOn(i -> !i.module().equals("env"))
                .extracting(ModuleImport::module).containsOnly("wapc");
        assertThat(d.export("__guest_call")).get()
                .extracting(ModuleExport::kind, ModuleExport::type)
                .containsExactly(ExternalKind.FUNCTION, "(i32, i32) -> (i32)");
        assertThat(d.memory().exported()).isTrue();
        assertThat(d.hash().hex()).isEqualTo(TestModules.sha256Hex(bytes));
    }

    @Test
    void watModulesAreUnknownLanguage() {
        ModuleDescriptor d = registry.install("no-guest-call.wasm", wat("no-guest-call")).descriptor();

        assertThat(d.guestLanguage()).isEqualTo("unknown");
        assertThat(d.producers()).isEmpty();
        assertThat(d.imports()).isEmpty();
        assertThat(d.exports()).containsExactly(
                new ModuleExport("memory", ExternalKind.MEMORY, "pages 1..none"),
                new ModuleExport("hello", ExternalKind.FUNCTION, "() -> (i32)"));
        assertThat(d.memory()).isEqualTo(new MemoryShape(1, -1, true, false));
        assertThat(d.exportsFunction("__guest_call")).isFalse();
    }

    @Test
    void moduleWithoutMemoryHasNoMemoryShape() {
        ModuleDescriptor d = registry.install("no-memory.wasm", wat("no-memory")).descriptor();

        assertThat(d.memory()).isEqualTo(MemoryShape.NONE);
        assertThat(d.exports()).containsExactly(
                new ModuleExport("__guest_call", ExternalKind.FUNCTION, "(i32, i32) -> (i32)"));
    }

    @Test
    void importsOfEveryKindAreListed() {
        ModuleDescriptor d = registry.install("unsatisfiable-imports.wasm", wat("unsatisfiable-imports")).descriptor();

        assertThat(d.imports()).containsExactly(
                new ModuleImport("env", "missing_fn", ExternalKind.FUNCTION, "(i32) -> (i32)"),
                new ModuleImport("wasi_snapshot_preview1", "fd_write", ExternalKind.FUNCTION,
                        "(i32, i32, i32, i32) -> (i32)"),
                new ModuleImport("wapc", "__guest_response", ExternalKind.FUNCTION, "(i32, i32) -> ()"),
                new ModuleImport("env", "table", ExternalKind.TABLE, "table"));
        assertThat(d.guestLanguage()).isEqualTo("unknown");
    }

    @Test
    void importedMemoryWithMaximumIsDescribed() {
        // (module (import "env" "memory" (memory 2 10)) (export "memory" (memory 0)))
        byte[] bytes = {
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x10, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06,
            0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x01, 0x02, 0x0a, 0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65,
            0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00
        };

        ModuleDescriptor d = registry.install("imported-memory.wasm", bytes).descriptor();

        assertThat(d.memory()).isEqualTo(new MemoryShape(2, 10, true, true));
        assertThat(d.memory().declaresMaximum()).isTrue();
        assertThat(d.imports()).containsExactly(
                new ModuleImport("env", "memory", ExternalKind.MEMORY, "pages 2..10"));
        assertThat(d.exports()).containsExactly(new ModuleExport("memory", ExternalKind.MEMORY, "pages 2..10"));
    }

    @Test
    void bigInitialMemoryIsDescribedNotAllocated() {
        ModuleDescriptor d = registry.install("big-initial-memory.wasm", wat("big-initial-memory")).descriptor();

        assertThat(d.memory()).isEqualTo(new MemoryShape(4800, -1, true, false));
    }

    @Test
    void watModuleRunsOnCompiledFactory() {
        CompiledModule module = registry.install("no-guest-call.wasm", wat("no-guest-call"));

        Instance instance = instantiate(module);

        assertThat(instance.export("hello").apply()).containsExactly(42L);
        assertThat(instance.getMachine()).isNotInstanceOf(InterpreterMachine.class);
    }

    @Test
    void interpretedModeDescribesAndRunsOnTheInterpreter() {
        ChicoryModuleRegistry interpreted = new ChicoryModuleRegistry(
                RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED));
        assertThat(interpreted.settings().executionMode()).isEqualTo(ExecutionMode.INTERPRETED);

        CompiledModule wat = interpreted.install("no-guest-call.wasm", wat("no-guest-call"));
        assertThat(wat.descriptor().executionMode()).isEqualTo(ExecutionMode.INTERPRETED);
        Instance instance = instantiate(wat);
        assertThat(instance.getMachine()).isInstanceOf(InterpreterMachine.class);
        assertThat(instance.export("hello").apply()).containsExactly(42L);

        CompiledModule rust = interpreted.install("rust-testbed.wasm", bytes(TestModules.RUST));
        assertThat(rust.descriptor().executionMode()).isEqualTo(ExecutionMode.INTERPRETED);
        Instance rustInstance = instantiate(rust, TestModules.noOpWapcImports());
        rustInstance.export("wapc_init").apply();
        assertThat(rustInstance.getMachine()).isInstanceOf(InterpreterMachine.class);
    }

    @Test
    void installFromFileUsesTheFileName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("my-actor.wasm");
        byte[] bytes = wat("no-memory");
        Files.write(file, bytes);

        CompiledModule module = registry.install(file);

        assertThat(module.descriptor().name()).isEqualTo("my-actor.wasm");
        assertThat(module.descriptor().hash().hex()).isEqualTo(TestModules.sha256Hex(bytes));
        assertThat(registry.install("other-name.wasm", bytes)).isSameAs(module);
    }

    @Test
    void blankOrNullNameBecomesUnnamed() {
        assertThat(registry.install(null, wat("no-memory")).descriptor().name()).isEqualTo("unnamed");
        assertThat(registry.install("  ", wat("no-guest-call")).descriptor().name()).isEqualTo("unnamed");
    }

    @Test
    void theEmptyModuleIsValid() {
        ModuleDescriptor d = registry.install("empty-module.wasm", TestModules.EMPTY_MODULE).descriptor();

        assertThat(d.imports()).isEmpty();
        assertThat(d.exports()).isEmpty();
        assertThat(d.memory()).isEqualTo(MemoryShape.NONE);
        assertThat(d.sizeBytes()).isEqualTo(8);
    }

    @Test
    void listIsOrderedByNameThenHash() {
        registry.install("b.wasm", wat("no-memory"));
        registry.install("a.wasm", wat("no-guest-call"));
        registry.install("c.wasm", wat("memory-grow"));

        assertThat(registry.list()).extracting(ModuleDescriptor::name).containsExactly("a.wasm", "b.wasm", "c.wasm");
        assertThat(registry.maxModuleBytes()).isEqualTo(RegistrySettings.DEFAULT_MAX_MODULE_BYTES);
    }
}
