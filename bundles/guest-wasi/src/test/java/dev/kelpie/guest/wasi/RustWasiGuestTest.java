package dev.kelpie.guest.wasi;

import static dev.kelpie.testsupport.Calls.call;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A Rust guest built for wasm32-wasi (wasm-modules/rust/wasi-guest): std's println!, clocks, sleep, exit. */
@Timeout(60)
class RustWasiGuestTest {
    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);

    RustWasiGuestTest() {
        host.setConsole(console);
        host.addGuestAdapter(new WasiAdapter());
    }

    private WapcInstance guest() {
        return host.instantiate(Guests.rust("wasi-guest"), InstanceOptions.labelled("rust-wasi"));
    }

    @Test
    void isRecognisedAsARustGuestThatNeedsWasi() {
        var descriptor = Guests.rust("wasi-guest").descriptor();
        assertThat(descriptor.guestLanguage()).isEqualTo("rust");
        assertThat(new WasiAdapter().recognise(descriptor)).isEqualTo(WasiAdapter.SCORE);
    }

    @Test
    void stdOutputClocksAndSleepWork() {
        try (WapcInstance rust = guest()) {
            assertThat(call(rust, "hello", "Ferris")).isEqualTo("ok");
            assertThat(console.lines).containsExactly("hello, Ferris", "stderr: to stderr");
            long before = System.currentTimeMillis();
            assertThat(Long.parseLong(call(rust, "now", ""))).isBetween(before - 1, System.currentTimeMillis() + 1);
            assertThat(Long.parseLong(call(rust, "sleep", "30"))).isGreaterThanOrEqualTo(30);
            assertThat(call(rust, "env", "")).isEqualTo("args=0 vars=0");
        }
    }

    @Test
    void processExitIsAnErrorNamingTheCode() {
        WapcInstance rust = guest();
        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> rust.invoke("exit", "7".getBytes(UTF_8)));
        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.getMessage()).contains("exited with code 7");
        assertThat(rust.isClosed()).isTrue();
    }
}
