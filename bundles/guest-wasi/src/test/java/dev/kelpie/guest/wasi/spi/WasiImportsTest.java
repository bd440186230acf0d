package dev.kelpie.guest.wasi.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.TrapException;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a WASI binding offers, by the module names a module imports. */
class WasiImportsTest {
    private static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    private static CompiledModule module(String resource) throws IOException {
        try (InputStream in = WasiImportsTest.class.getResourceAsStream(resource)) {
            return REGISTRY.install(resource.substring(resource.lastIndexOf('/') + 1), in.readAllBytes());
        }
    }

    private static WasiImports bind(String resource) throws IOException {
        return WasiImports.bind(new GuestContext(module(resource).descriptor(), "t", (m, l, line) -> {}), WasiSettings.DEFAULTS);
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
            assertThat(preview1.imports()).extracting(ImportFunction::name)
                    .contains("fd_write", "poll_oneoff", "clock_time_get", "random_get", "proc_exit", "args_get",
                            "environ_get", "path_open", "sock_send");
            assertThat(WasiImports.importedWasiModules(module("/wasm/rust/testbed.wasm").descriptor())).isEmpty();
            assertThat(WasiImports.isWasiModule("wasi_unstable")).isTrue();
            assertThat(WasiImports.isWasiModule("wasi")).isFalse();
        }
    }

    @Test
    void socketsAndSignalsAnswerEnosysInsteadOfTrapping() throws IOException {
        try (WasiImports wasi = bind("/wasm/c/echo/echo.wasm")) {
            for (String name : Set.of("sock_accept", "sock_recv", "sock_send", "sock_shutdown", "proc_raise")) {
                ImportFunction f = function(wasi, name);
                long[] args = new long[f.paramTypes().size()];
                assertThat(f.handle().apply(null, args)).as(name).containsExactly(WasiFunctions.ENOSYS);
            }
        }
    }

    @Test
    void aJavaExceptionInChicorysWasiBecomesATrapNamingTheFunction() throws IOException {
        try (WasiImports wasi = bind("/wasm/c/echo/echo.wasm")) {
            ImportFunction f = function(wasi, "fd_fdstat_get");
            // no instance: Chicory's function fails with a NullPointerException
            assertThatThrownBy(() -> f.handle().apply(null, 1, 0)).isInstanceOf(TrapException.class)
                    .hasMessageContaining("WASI wasi_snapshot_preview1.fd_fdstat_get failed");
        }
    }
}
