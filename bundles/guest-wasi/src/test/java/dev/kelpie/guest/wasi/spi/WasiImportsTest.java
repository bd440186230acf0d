package dev.kelpie.guest.wasi.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.TrapException;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExternalKind;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.testsupport.Guests;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a WASI binding offers, by the module names a module imports. */
class WasiImportsTest {
    private static CompiledModule module(String resource) {
        return Guests.COMPILED.install(resource.substring(resource.lastIndexOf('/') + 1), Guests.bytes(resource));
    }

    private static WasiImports bind(String resource) throws IOException {
        return bind(module(resource).descriptor());
    }

    private static WasiImports bind(ModuleDescriptor descriptor) {
        return WasiImports.bind(new GuestContext(descriptor, "t", (m, l, line) -> {}), WasiSettings.DEFAULTS);
    }

    /** The echo module's descriptor, as if it imported these preview 1 functions too. */
    private static ModuleDescriptor importing(String... names) throws IOException {
        ModuleDescriptor d = module("/wasm/c/echo/echo.wasm").descriptor();
        List<ModuleImport> imports = new ArrayList<>(d.imports());
        for (String name : names) {
            imports.add(new ModuleImport(WasiImports.PREVIEW1, name, ExternalKind.FUNCTION, "(i32) -> (i32)"));
        }
        return new ModuleDescriptor(d.hash(), d.name(), d.sizeBytes(), imports, d.exports(), d.memory(),
                d.guestLanguage(), d.producers(), d.executionMode(), d.compileMillis(), d.installedAt());
    }

    private static ImportFunction function(WasiImports wasi, String name) {
        return wasi.imports().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void offersTheFunctionsUnderTheModuleNamesTheModuleImports() throws IOException {
        try (WasiImports preview1 = bind("/wasm/c/echo/echo.wasm"); WasiImports unstable = bind("/wasm/wat/wasi-unstable.wasm")) {
            assertThat(preview1.imports().stream().map(ImportFunction::module).collect(Collectors.toSet()))
                    .containsExactly(WasiImports.PREVIEW1);
            assertThat(unstable.imports().stream().map(ImportFunction::module).collect(Collectors.toSet()))
                    .containsExactly(WasiImports.UNSTABLE);
            assertThat(preview1.imports()).extracting(ImportFunction::name).containsExactlyInAnyOrderElementsOf(
                    module("/wasm/c/echo/echo.wasm").descriptor().imports().stream()
                            .filter(i -> i.module().equals(WasiImports.PREVIEW1)).map(ModuleImport::name)
                            .collect(Collectors.toList()));
            assertThat(unstable.imports()).extracting(ImportFunction::name).containsExactlyInAnyOrder("fd_write", "poll_oneoff");
            assertThat(WasiImports.importedWasiModules(module("/wasm/rust/testbed.wasm").descriptor())).isEmpty();
            assertThat(WasiImports.isWasiModule("wasi_unstable")).isTrue();
            assertThat(WasiImports.isWasiModule("wasi")).isFalse();
        }
    }

    @Test
    void socketsAndSignalsAnswerEnosysInsteadOfTrapping() throws IOException {
        try (WasiImports wasi = bind(importing("sock_accept", "sock_recv", "sock_send", "sock_shutdown", "proc_raise"))) {
            for (String name : Set.of("sock_accept", "sock_recv", "sock_send", "sock_shutdown", "proc_raise")) {
                ImportFunction f = function(wasi, name);
                long[] args = new long[f.paramTypes().size()];
                assertThat(f.handle().apply(null, args)).as(name).containsExactly(WasiFunctions.ENOSYS);
            }
        }
    }

    @Test
    void aJavaExceptionInChicorysWasiBecomesATrapNamingTheFunction() throws IOException {
        try (WasiImports wasi = bind(importing("fd_fdstat_get"))) {
            ImportFunction f = function(wasi, "fd_fdstat_get");
            // no instance: Chicory's function fails with a NullPointerException
            assertThatThrownBy(() -> f.handle().apply(null, 1, 0)).isInstanceOf(TrapException.class)
                    .hasMessageContaining("WASI wasi_snapshot_preview1.fd_fdstat_get failed");
        }
    }
}
