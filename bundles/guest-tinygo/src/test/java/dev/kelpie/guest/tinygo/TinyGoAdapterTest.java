package dev.kelpie.guest.tinygo;

import static dev.kelpie.testsupport.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
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
    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();
    private final TinyGoAdapter adapter = new TinyGoAdapter();

    TinyGoAdapterTest() {
        host.setConsole(console);
        host.addGuestAdapter(new WasiAdapter());
        host.addGuestAdapter(adapter);
    }

    @AfterEach
    void close() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(String name) {
        WapcInstance instance = host.instantiate(Guests.wat(name), InstanceOptions.labelled("tinygo-test"));
        instances.add(instance);
        return instance;
    }

    @Test
    void theRegistryNamesBothShapesTinyGoAndTheAdapterTakesThemOverTheWasiAdapter() {
        for (String name : List.of("tinygo-legacy", "tinygo-reactor", "wasi-unstable")) {
            ModuleDescriptor module = Guests.wat(name).descriptor();
            assertThat(module.guestLanguage()).as(name).isEqualTo("tinygo");
            assertThat(adapter.recognise(module)).as(name).isEqualTo(TinyGoAdapter.SCORE)
                    .isGreaterThan(new WasiAdapter().recognise(module));
        }
        assertThat(Guests.wat("tinygo-legacy").descriptor().producers()).contains("processed-by=tinygo 0.25.0");
    }

    @Test
    void itLeavesOtherModulesToOtherAdapters() {
        // wapc only (Rust wapc-guest, Zig), AssemblyScript with WASI, a plain WASI module
        for (String name : List.of("rust-wapc-guest", "zig-wapc", "as-wasi", "init-proc-exit")) {
            assertThat(adapter.recognise(Guests.wat(name).descriptor())).as(name).isZero();
        }
    }

    @Test
    void theOldShapeRunsStartWhichExitsWithZeroThenServesCalls() {
        WapcInstance legacy = start("tinygo-legacy");
        assertThat(call(legacy, "echo", "hello, TinyGo")).isEqualTo("hello, TinyGo");
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0};
        assertThat(legacy.invoke("echo", binary)).isEqualTo(binary);
        assertThat(call(legacy, "hello", "Ada")).isEqualTo("Hello, Ada!");
        assertThat(console.lines).contains("hello from tinygo", "hello");

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
        assertThat(console.lines).contains("hello from tinygo");
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
