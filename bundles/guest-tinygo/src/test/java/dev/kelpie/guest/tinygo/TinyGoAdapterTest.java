package dev.kelpie.guest.tinygo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestConsole;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TinyGo-shaped guests (wasm-modules/wat/tinygo-*.wat: the import and export lists of wapc-guest-tinygo
 * modules from old and current TinyGo) through the real registry and waPC host, with the WASI adapter
 * registered too, as in a running Kelpie.
 */
@Timeout(60)
class TinyGoAdapterTest {
    private static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    private final List<String> console = new CopyOnWriteArrayList<>();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();
    private final TinyGoAdapter adapter = new TinyGoAdapter();

    TinyGoAdapterTest() {
        host.setConsole((GuestConsole) (module, label, line) -> console.add(line));
        host.addGuestAdapter(new WasiAdapter());
        host.addGuestAdapter(adapter);
    }

    @AfterEach
    void close() {
        instances.forEach(WapcInstance::close);
    }

    static CompiledModule wat(String name) {
        try (InputStream in = TinyGoAdapterTest.class.getResourceAsStream("/wasm/wat/" + name + ".wasm")) {
            if (in == null) {
                throw new IllegalStateException("missing test module " + name);
            }
            return REGISTRY.install(name + ".wasm", in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WapcInstance start(String name) {
        WapcInstance instance = host.instantiate(wat(name), InstanceOptions.labelled("tinygo-test"));
        instances.add(instance);
        return instance;
    }

    private static String call(WapcInstance instance, String operation, String payload) {
        return new String(instance.invoke(operation, payload.getBytes(UTF_8)), UTF_8);
    }

    @Test
    void theRegistryNamesBothShapesTinyGoAndTheAdapterTakesThemOverTheWasiAdapter() {
        for (String name : List.of("tinygo-legacy", "tinygo-reactor", "wasi-unstable")) {
            ModuleDescriptor module = wat(name).descriptor();
            assertThat(module.guestLanguage()).as(name).isEqualTo("tinygo");
            assertThat(adapter.recognise(module)).as(name).isEqualTo(TinyGoAdapter.SCORE)
                    .isGreaterThan(new WasiAdapter().recognise(module));
        }
        assertThat(wat("tinygo-legacy").descriptor().producers()).contains("processed-by=tinygo 0.25.0");
    }

    @Test
    void itLeavesOtherModulesToOtherAdapters() {
        // wapc only (Rust wapc-guest, Zig), AssemblyScript with WASI, a plain WASI module
        for (String name : List.of("rust-wapc-guest", "zig-wapc", "as-wasi", "init-proc-exit")) {
            assertThat(adapter.recognise(wat(name).descriptor())).as(name).isZero();
        }
    }

    @Test
    void theOldShapeRunsStartWhichExitsWithZeroThenServesCalls() {
        WapcInstance legacy = start("tinygo-legacy");
        assertThat(call(legacy, "echo", "hello, TinyGo")).isEqualTo("hello, TinyGo");
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0};
        assertThat(legacy.invoke("echo", binary)).isEqualTo(binary);
        assertThat(call(legacy, "hello", "Ada")).isEqualTo("Hello, Ada!");
        assertThat(console).contains("hello from tinygo", "hello");

        long before = System.currentTimeMillis();
        long nanos = ByteBuffer.wrap(legacy.invoke("now", new byte[0])).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(nanos / 1_000_000).isBetween(before - 1000, System.currentTimeMillis() + 1000);

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> legacy.invoke("nope", new byte[0]));
        assertThat(e.kind()).isEqualTo(GuestCallException.Kind.GUEST_ERROR);
        assertThat(e.detail()).isEqualTo("Could not find function \"nope\"");
        assertThat(call(legacy, "echo", "still alive")).isEqualTo("still alive");
    }

    @Test
    void theCurrentShapeRunsInitializeThenWapcInit() {
        // wapc_init traps unless _initialize ran first; calls fail unless wapc_init ran
        WapcInstance reactor = start("tinygo-reactor");
        assertThat(call(reactor, "echo", "hello, wasip1")).isEqualTo("hello, wasip1");
        assertThat(call(reactor, "hello", "Grace")).isEqualTo("Hello, Grace!");
        assertThat(console).contains("hello from tinygo");
        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> reactor.invoke("nope", new byte[0]));
        assertThat(e.detail()).isEqualTo("Could not find function \"nope\"");
    }

    @Test
    void payloadsLargerThanTheGuestsFirstPagesGrowItsMemory() {
        WapcInstance legacy = start("tinygo-legacy");
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        assertThat(legacy.invoke("echo", big)).isEqualTo(big);
    }
}
