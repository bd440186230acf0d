package dev.kelpie.guest.go;

import static dev.kelpie.testsupport.Calls.call;
import static dev.kelpie.testsupport.Calls.guestError;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.HostTable;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Go example guests (wasm-modules/go) through the real waPC host with the Go and WASI adapters. */
@Timeout(120)
class GoGuestsTest {
    private final RecordingConsole console = new RecordingConsole();
    private final HostTable table = new HostTable();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();

    GoGuestsTest() {
        host.setConsole(console);
        host.addGuestAdapter(new WasiAdapter());
        host.addGuestAdapter(new GoAdapter());
    }

    @AfterEach
    void close() throws InterruptedException {
        instances.forEach(WapcInstance::close);
        assertThat(goThreads()).as("Go guest threads left after the test").isEmpty();
    }

    static List<Thread> goThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(GoCommand.THREAD_PREFIX) && t.isAlive())
                .collect(Collectors.toList());
    }

    private WapcInstance start(CompiledModule module, InstanceOptions options) {
        if (options.callTimeout() != null) {
            // a first instance warms the JIT up: a cold Go start-up on a busy machine can take seconds
            host.instantiate(module, InstanceOptions.labelled("warm-up")).close();
        }
        WapcInstance instance = host.instantiate(module, options);
        instances.add(instance);
        return instance;
    }

    private WapcInstance start(CompiledModule module) {
        return start(module, InstanceOptions.labelled("go-test"));
    }

    @Test
    void theGoAdapterRecognisesGoGuestsAboveWasi() {
        CompiledModule echo = Guests.go("echo");
        assertThat(new GoAdapter().recognise(echo.descriptor())).isEqualTo(GoAdapter.SCORE);
        assertThat(new WasiAdapter().recognise(echo.descriptor())).isLessThan(GoAdapter.SCORE);
        assertThat(new GoAdapter().recognise(Guests.c("echo").descriptor())).isZero();
        assertThat(echo.descriptor().producers()).startsWith("language=Go go1.23");
    }

    @Test
    void aGoCommandWithoutTheKelpieImportIsRecognisedByItsProducers() {
        ModuleDescriptor echo = Guests.go("echo").descriptor();
        List<ModuleImport> wasiOnly = echo.imports().stream().filter(i -> !i.module().equals(GoAdapter.MODULE))
                .collect(Collectors.toList());
        ModuleDescriptor plainGo = new ModuleDescriptor(echo.hash(), "plain-go.wasm", echo.sizeBytes(), wasiOnly,
                echo.exports(), echo.memory(), "unknown", echo.producers(), echo.executionMode(), 0, echo.installedAt());
        assertThat(new GoAdapter().recognise(plainGo)).isEqualTo(GoAdapter.SCORE);
        ModuleDescriptor plainC = new ModuleDescriptor(echo.hash(), "plain-c.wasm", echo.sizeBytes(), wasiOnly,
                echo.exports(), echo.memory(), "c", "language=C11; processed-by=clang", echo.executionMode(), 0,
                echo.installedAt());
        assertThat(new GoAdapter().recognise(plainC)).isZero();
    }

    @Test
    void echoAnswersItsPayloadAndNamesUnknownOperations() {
        WapcInstance echo = start(Guests.go("echo"));
        assertThat(call(echo, "echo", "hello, Go")).isEqualTo("hello, Go");
        // a Go guest keeps its own thread: every instance starts it, none is restored from a memory image
        assertThat(host.memoryImage(echo.module()))
                .isEqualTo("no (its go guest entry runs on a thread of its own)");
        byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0};
        assertThat(echo.invoke("echo", binary)).isEqualTo(binary);
        assertThat(echo.invoke("echo", new byte[0])).isEmpty();
        assertThat(guestError(echo, "nope", "")).isEqualTo("unknown operation: nope");
        assertThat(call(echo, "echo", "still alive")).isEqualTo("still alive");
    }

    @Test
    void theGoCounterKeepsItsCountInHostState() {
        table.registerState(host);
        WapcInstance counter = start(Guests.go("counter"));
        List<String> answers = new ArrayList<>();
        for (String[] step : new String[][] {{"increment", ""}, {"increment", "5"}, {"increment", "-10"}, {"get", ""},
                {"reset", ""}, {"get", ""}, {"increment", "abc"}, {"increment", "1.5"}, {"increment", "-"},
                {"increment", "99999999999999999999"}, {"nope", ""}}) {
            try {
                answers.add(call(counter, step[0], step[1]));
            } catch (GuestCallException e) {
                answers.add("ERR " + e.detail());
            }
        }
        table.state.put("count", "9223372036854775807".getBytes(UTF_8));
        answers.add(guestError(counter, "increment", ""));
        table.state.put("count", "x7".getBytes(UTF_8));
        answers.add(guestError(counter, "get", ""));
        assertThat(answers).containsExactly("1", "6", "-4", "-4", "0", "0", "ERR bad amount: abc",
                "ERR bad amount: 1.5", "ERR bad amount: -", "ERR bad amount: 99999999999999999999",
                "ERR unknown operation: nope", "count overflow", "bad count in state: x7");
    }

    @Test
    void hostFunctionsRunOnTheCallersThread() {
        List<String> threads = new CopyOnWriteArrayList<>();
        host.register(new HostFunctionKey("kelpie", "greeting", "hello"), call -> {
            threads.add(Thread.currentThread().getName());
            return ("Hello, " + new String(call.payload(), UTF_8) + "!").getBytes(UTF_8);
        });
        table.registerLog(host);
        table.registerActors(host);
        WapcInstance greeter = start(Guests.go("greeter"));
        String caller = Thread.currentThread().getName();
        assertThat(call(greeter, "greet", "Ada")).isEqualTo("Hello, Ada!");
        assertThat(call(greeter, "greet_counted", "Bob")).isEqualTo("Hello, Bob! Visitor number 1.");
        assertThat(call(greeter, "greet_counted", "Bob")).isEqualTo("Hello, Bob! Visitor number 2.");
        assertThat(threads).containsOnly(caller).hasSize(3);
        assertThat(table.logs).contains("info: greeted Ada", "info: greeted Bob");
        assertThat(table.actorCalls).containsExactly("counter\nBob\nincrement\n", "counter\nBob\nincrement\n");
        assertThat(console.lines).contains("Bob is visitor 2");
    }

    @Test
    void aHostCallFailureReachesTheGuest() {
        WapcInstance greeter = start(Guests.go("greeter"));
        assertThat(guestError(greeter, "greet", "Ada"))
                .isEqualTo("greeting failed: no host function for binding 'kelpie', namespace 'greeting', operation 'hello'");
    }

    @Test
    void theCallTimeoutInterruptsASpinningHandlerAndEndsItsThread() {
        table.registerState(host);
        WapcInstance counter = start(Guests.go("counter"),
                InstanceOptions.labelled("go-spin").withCallTimeout(Duration.ofSeconds(3)));
        assertThat(call(counter, "increment", "")).isEqualTo("1");
        long started = System.nanoTime();
        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> counter.invoke("add_then_spin", new byte[0]));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(counter.isClosed()).isTrue();
        assertThat(goThreads()).isEmpty();
        assertThatThrownBy(() -> counter.invoke("get", new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, c -> assertThat(c.kind()).isEqualTo(Kind.CLOSED));
    }

    @Test
    void aTimeoutDuringARelayedHostCallInterruptsItOnTheCallersThread() {
        List<String> seen = new CopyOnWriteArrayList<>();
        host.register(new HostFunctionKey("kelpie", "greeting", "hello"), call -> {
            seen.add(Thread.currentThread().getName());
            Thread.sleep(30_000); // ended by the interrupt of the caller's thread
            return new byte[0];
        });
        table.registerLog(host);
        WapcInstance greeter = start(Guests.go("greeter"),
                InstanceOptions.labelled("go-slow-host").withCallTimeout(Duration.ofSeconds(3)));
        long started = System.nanoTime();
        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> greeter.invoke("greet", "Ada".getBytes(UTF_8)));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(seen).containsExactly(Thread.currentThread().getName());
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(greeter.isClosed()).isTrue();
        assertThat(goThreads()).isEmpty();
    }

    @Test
    void aPanicInAHandlerIsATrapThatEndsTheInstance() {
        table.registerState(host);
        WapcInstance counter = start(Guests.go("counter"), InstanceOptions.labelled("go-panic"));
        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> counter.invoke("add_then_trap", new byte[0]));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.detail()).isEqualTo("the guest exited with code 2");
        assertThat(console.lines).contains("stderr: panic: add_then_trap");
        assertThat(counter.isClosed()).isTrue();
        assertThat(goThreads()).isEmpty();
    }

    @Test
    void anInitialisationPastTheTimeoutFailsAndLeavesNoThread() {
        assertThatThrownBy(() -> start(Guests.go("echo"),
                InstanceOptions.labelled("go-slow-init").withCallTimeout(Duration.ofMillis(1))))
                .isInstanceOf(ModuleInstantiationException.class)
                .hasMessageContaining("initialisation ran past the call timeout of 1 ms");
        assertThat(goThreads()).isEmpty();
    }

    @Test
    void eachInstanceHasOneThreadUntilItCloses() {
        WapcInstance first = start(Guests.go("echo"), InstanceOptions.labelled("one"));
        WapcInstance second = start(Guests.go("echo"), InstanceOptions.labelled("two"));
        assertThat(goThreads()).extracting(Thread::getName)
                .containsExactlyInAnyOrder(GoCommand.THREAD_PREFIX + "one", GoCommand.THREAD_PREFIX + "two");
        first.close();
        assertThat(goThreads()).extracting(Thread::getName).containsExactly(GoCommand.THREAD_PREFIX + "two");
        assertThat(call(second, "echo", "x")).isEqualTo("x");
        second.close();
        assertThat(goThreads()).isEmpty();
    }

    @Test
    void aMainThatReturnsWithoutServingFailsInstantiation() {
        assertThatThrownBy(() -> start(Guests.wat("go-main-returns")))
                .isInstanceOf(ModuleInstantiationException.class)
                .hasMessageContaining("main returned before it served a call");
    }

    @Test
    void aMainThatExitsBeforeServingFailsInstantiationNamingTheCode() {
        assertThatThrownBy(() -> start(Guests.wat("go-main-exits")))
                .isInstanceOf(ModuleInstantiationException.class)
                .hasMessageContaining("the guest exited with code 3 in _start before it served a call");
    }

    @Test
    void aModuleWithoutGuestCallAndWithoutAnAdapterToDriveItIsStillRefused() {
        ChicoryWapcHost plain = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        plain.addGuestAdapter(new WasiAdapter());
        assertThatThrownBy(() -> plain.instantiate(Guests.go("echo"), InstanceOptions.labelled("no-go")))
                .isInstanceOf(ModuleInstantiationException.class)
                .hasMessageContaining("does not export the waPC function __guest_call");
    }
}
