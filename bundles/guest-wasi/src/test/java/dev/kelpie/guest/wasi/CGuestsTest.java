package dev.kelpie.guest.wasi;

import static dev.kelpie.testsupport.Calls.call;
import static dev.kelpie.testsupport.Calls.guestError;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.HostTable;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The C example guests (wasm-modules/c) through the real waPC host with the WASI adapter. */
@Timeout(60)
class CGuestsTest {
    private final RecordingConsole console = new RecordingConsole();
    private final HostTable table = new HostTable();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();

    CGuestsTest() {
        host.setConsole(console);
        host.addGuestAdapter(new WasiAdapter());
    }

    @AfterEach
    void close() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(CompiledModule module) {
        WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("c-test"));
        instances.add(instance);
        return instance;
    }

    @Test
    void echoAnswersItsPayloadAndNamesUnknownOperations() {
        WapcInstance echo = start(Guests.c("echo"));
        assertThat(call(echo, "echo", "hello, C")).isEqualTo("hello, C");
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0};
        assertThat(echo.invoke("echo", binary)).isEqualTo(binary);
        assertThat(echo.invoke("echo", new byte[0])).isEmpty();
        assertThat(guestError(echo, "nope", "")).isEqualTo("unknown operation: nope");
        assertThat(call(echo, "echo", "still alive")).isEqualTo("still alive");
    }

    @Test
    void theCAndRustCountersAnswerAlike() {
        table.registerState(host);
        List<String> c = counterSession(start(Guests.c("counter")));
        table.state.clear();
        List<String> rust = counterSession(start(Guests.rust("counter")));
        assertThat(c).isEqualTo(rust);
        assertThat(c).containsExactly("1", "6", "-4", "-4", "0", "0", "ERR bad amount: abc", "ERR bad amount: 1.5",
                "ERR bad amount: -", "ERR bad amount: 99999999999999999999", "ERR bad count in state: x7",
                "9223372036854775807", "ERR count overflow", "-9223372036854775808", "ERR count overflow",
                "ERR unknown operation: nope");
    }

    /** One run of the counter's operations, with errors as "ERR <message>". */
    private List<String> counterSession(WapcInstance counter) {
        List<String> out = new ArrayList<>();
        String[][] steps = {{"increment", ""}, {"increment", "5"}, {"increment", "-10"}, {"get", ""}, {"reset", ""},
            {"get", ""}, {"increment", "abc"}, {"increment", "1.5"}, {"increment", "-"},
            {"increment", "99999999999999999999"}};
        for (String[] step : steps) {
            out.add(attempt(counter, step[0], step[1]));
        }
        table.state.put("count", "x7".getBytes(UTF_8));
        out.add(attempt(counter, "get", ""));
        table.state.put("count", "9223372036854775806".getBytes(UTF_8));
        out.add(attempt(counter, "increment", ""));
        out.add(attempt(counter, "increment", ""));
        table.state.put("count", "-9223372036854775807".getBytes(UTF_8));
        out.add(attempt(counter, "increment", "-1"));
        out.add(attempt(counter, "increment", "-1"));
        out.add(attempt(counter, "nope", ""));
        return out;
    }

    private static String attempt(WapcInstance instance, String operation, String payload) {
        try {
            return call(instance, operation, payload);
        } catch (GuestCallException e) {
            assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
            return "ERR " + e.detail();
        }
    }

    @Test
    void theCounterKeepsItsCountInHostStateNotInMemory() {
        table.registerState(host);
        WapcInstance first = start(Guests.c("counter"));
        call(first, "increment", "41");
        first.close();
        WapcInstance second = start(Guests.c("counter"));
        assertThat(call(second, "increment", "")).isEqualTo("42");
        assertThat(table.state.get("count")).isEqualTo("42".getBytes(UTF_8));
    }

    @Test
    void aStateErrorFromTheHostIsTheCounterError() {
        host.register(HostTable.key("state", "get"), c -> {
            throw new IllegalStateException("state is only available to actors (instance 'c-test' is not an actor)");
        });
        WapcInstance counter = start(Guests.c("counter"));
        assertThat(guestError(counter, "get", "")).isEqualTo("state is only available to actors (instance 'c-test' is not an actor)");
    }

    @Test
    void greeterCallsAHostFunctionAndAnotherActor() {
        table.registerGreeting(host);
        table.registerActors(host);
        table.registerLog(host);
        WapcInstance greeter = start(Guests.c("greeter"));
        assertThat(call(greeter, "greet", "Ada")).isEqualTo("Hello, Ada!");
        assertThat(call(greeter, "greet", "")).isEqualTo("Hello, world!");
        assertThat(call(greeter, "greet_counted", "Bo")).isEqualTo("Hello, Bo! Visitor number 1.");
        assertThat(call(greeter, "greet_counted", "Bo")).isEqualTo("Hello, Bo! Visitor number 2.");
        assertThat(table.actorCalls).containsExactly("counter\nBo\nincrement\n", "counter\nBo\nincrement\n");
        assertThat(table.logs).containsExactly("info: greeted Ada", "info: greeted world", "info: greeted Bo",
                "info: greeted Bo");
        assertThat(console.lines).containsExactly("Bo is visitor 1", "Bo is visitor 2");
    }

    @Test
    void greeterNamesWhatFailed() {
        WapcInstance greeter = start(Guests.c("greeter"));
        assertThat(guestError(greeter, "greet", "Ada")).isEqualTo(
                "greeting failed: no host function for binding 'kelpie', namespace 'greeting', operation 'hello'");
        table.registerGreeting(host);
        host.register(HostTable.key("actors", "call"), c -> {
            throw new IllegalStateException("actor error: actor counter:Ada, operation 'increment': mailbox full");
        });
        assertThat(guestError(greeter, "greet_counted", "Ada"))
                .isEqualTo("counter failed: actor error: actor counter:Ada, operation 'increment': mailbox full");
    }

    @Test
    void cModulesAreRecognisedAsWasiGuests() {
        WasiAdapter adapter = new WasiAdapter();
        for (String name : List.of("echo", "counter", "greeter", "wasi-testbed")) {
            assertThat(adapter.recognise(Guests.c(name).descriptor())).as(name).isEqualTo(WasiAdapter.SCORE);
            assertThat(Guests.c(name).descriptor().guestLanguage()).as(name).isEqualTo("c");
        }
        assertThat(adapter.recognise(Guests.wat("wasi-unstable").descriptor())).isEqualTo(WasiAdapter.SCORE);
        assertThat(adapter.recognise(Guests.rust("testbed").descriptor())).as("no WASI imports").isZero();
        assertThat(adapter.recognise(Guests.wat("unsatisfiable-imports").descriptor())).as("env imports").isZero();
        assertThat(host.guestAdapters()).containsExactly("wasi");
    }
}
