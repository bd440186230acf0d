package dev.kelpie.guest.wasi;

import static dev.kelpie.testsupport.Calls.call;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.wasi.spi.WasiSettings;
import dev.kelpie.testsupport.Guests;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** WASI as a C guest on wasi-libc uses it (wasm-modules/c/wasi-testbed), through the real waPC host. */
@Timeout(60)
class WasiTestbedTest {
    private static final int LINES_PER_SECOND = 20;
    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host =
            new ChicoryWapcHost(WapcSettings.DEFAULTS.withOutputRate(LINES_PER_SECOND, 64 * 1024));

    WasiTestbedTest() {
        host.setConsole(console);
        host.addGuestAdapter(new WasiAdapter());
    }

    private WapcInstance testbed() {
        return testbed(ExecutionMode.COMPILED);
    }

    private WapcInstance testbed(ExecutionMode mode) {
        return host.instantiate(Guests.c("wasi-testbed", mode), InstanceOptions.labelled("wasi-test"));
    }

    @Test
    void stdoutAndStderrReachTheConsoleLineByLine() {
        try (WapcInstance t = testbed()) {
            assertThat(call(t, "print", "hello from printf")).isEqualTo("ok");
            assertThat(call(t, "print", "two\nlines")).isEqualTo("ok");
            assertThat(call(t, "eprint", "oops")).isEqualTo("ok");
            assertThat(call(t, "print", "")).isEqualTo("ok");
            assertThat(console.lines).containsExactly("hello from printf", "two", "lines", "stderr: oops", "");
        }
    }

    @Test
    void aLongLineIsCutAtTheLineLimit() {
        try (WapcInstance t = testbed()) {
            call(t, "long_line", "100000");
            assertThat(console.lines).hasSize(1);
            assertThat(console.lines.get(0)).isEqualTo("x".repeat(WasiSettings.DEFAULT_MAX_LINE_BYTES) + "…(truncated)");
        }
    }

    @Test
    void aFloodOfOutputIsPacedByTheHostsOutputLimit() {
        int total = 5000;
        try (WapcInstance t = testbed()) {
            assertThat(call(t, "flood", String.valueOf(total))).isEqualTo("ok");
            assertThat(t.isClosed()).isFalse();
            long printed = console.matching("line ").size();
            // a burst of 2 seconds' worth, plus what the seconds of the call itself allowed
            assertThat(printed).isGreaterThanOrEqualTo(2 * LINES_PER_SECOND).isLessThan(total / 10);
            assertThat(printed + t.droppedOutputLines()).isEqualTo(total);
            assertThat(console.lines.get(0)).isEqualTo("line 0");
            assertThat(console.lines).anyMatch(l -> l.contains("is over the limit of " + LINES_PER_SECOND + " lines/s"));
        }
    }

    @Test
    void theWallClockIsTheHosts() {
        try (WapcInstance t = testbed()) {
            long before = System.currentTimeMillis();
            long guest = Long.parseLong(call(t, "realtime", ""));
            long after = System.currentTimeMillis();
            assertThat(guest).isBetween(before - 1, after + 1);
        }
    }

    @Test
    void randomnessComesFromTheHost() {
        try (WapcInstance t = testbed()) {
            String a = call(t, "random", "");
            String b = call(t, "random", "");
            assertThat(a).matches("[0-9a-f]{32}");
            assertThat(b).matches("[0-9a-f]{32}").isNotEqualTo(a);
        }
    }

    @Test
    void argumentsAndEnvironmentAreEmpty() {
        try (WapcInstance t = testbed()) {
            assertThat(call(t, "args", "")).isEqualTo("argc=0 env=0");
        }
    }

    @Test
    void stdinIsEmpty() {
        try (WapcInstance t = testbed()) {
            assertThat(call(t, "stdin", "")).isEqualTo("read=0 eof=1");
        }
    }

    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void nanosleepSleeps(ExecutionMode mode) {
        try (WapcInstance t = testbed(mode)) {
            long start = System.nanoTime();
            long guestMillis = Long.parseLong(call(t, "sleep", "60"));
            long hostMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(guestMillis).isGreaterThanOrEqualTo(60);
            assertThat(hostMillis).isGreaterThanOrEqualTo(60).isLessThan(10_000);
        }
    }

    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void aGuestSleepingForeverIsStoppedByAnInterruptAndReportedAsInterrupted(ExecutionMode mode) throws Exception {
        WapcInstance t = testbed(mode);
        CompletableFuture<Thread> caller = new CompletableFuture<>();
        CompletableFuture<GuestCallException> outcome = CompletableFuture.supplyAsync(() -> {
            caller.complete(Thread.currentThread());
            try {
                t.invoke("sleep_forever", new byte[0]);
                return null;
            } catch (GuestCallException e) {
                return e;
            } finally {
                Thread.interrupted(); // leave the pool thread clean
            }
        }, runnable -> new Thread(runnable, "sleeper").start());
        Thread sleeper = caller.get(10, TimeUnit.SECONDS);
        awaitSleeping(sleeper);
        sleeper.interrupt();
        GuestCallException e = outcome.get(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(e.getMessage()).contains("sleep_forever");
        assertThat(t.isClosed()).isTrue();
        sleeper.join(10_000);
        assertThat(sleeper.isAlive()).isFalse();
    }

    @Test
    void theHostsCallTimeoutEndsASleepAsAnInterruption() {
        // the call timeout bounds initialisation too: generous, so that a loaded machine does not fail the init
        Duration timeout = Duration.ofSeconds(1);
        WapcInstance t = host.instantiate(Guests.c("wasi-testbed"),
                InstanceOptions.labelled("timed").withCallTimeout(timeout));
        long start = System.nanoTime();
        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> t.invoke("sleep_forever", new byte[0]));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(millis).isBetween(timeout.toMillis() - 50, 10_000L);
        assertThat(t.isClosed()).isTrue();
        assertThat(Thread.interrupted()).as("the host clears the interrupt it raised").isFalse();
    }

    /** Waits (bounded) until the thread sleeps in poll_oneoff. */
    private static void awaitSleeping(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("the guest should be sleeping by now").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void exitDuringACallIsAnErrorNamingTheCode() {
        WapcInstance t = testbed();
        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> t.invoke("exit", "3".getBytes(UTF_8)));
        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.getMessage()).contains("exited with code 3", "'exit'");
        assertThat(t.isClosed()).isTrue();
    }

    @Test
    void exitZeroDuringACallIsAnErrorToo() {
        WapcInstance t = testbed();
        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> t.invoke("exit", "0".getBytes(UTF_8)));
        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.getMessage()).contains("exited with code 0");
    }

    @Test
    void procExitZeroDuringStartIsANormalEndOfInitialisation() {
        try (WapcInstance t = host.instantiate(Guests.wat("init-proc-exit"), InstanceOptions.labelled("init"))) {
            assertThat(call(t, "anything", "")).isEqualTo("alive");
        }
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                () -> host.instantiate(Guests.wat("init-proc-exit-failure"), InstanceOptions.labelled("init")));
        assertThat(e.getMessage()).contains("init-proc-exit-failure.wasm@", "exited with code 3 in _start");
    }

    @Test
    void aModuleImportingWasiUnstableLinksAndGetsItsLayout() {
        try (WapcInstance t = host.instantiate(Guests.wat("wasi-unstable"), InstanceOptions.labelled("old"))) {
            long start = System.nanoTime();
            ByteBuffer r = ByteBuffer.wrap(t.invoke("go", new byte[0])).order(ByteOrder.LITTLE_ENDIAN);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.getLong(0)).as("userdata").isEqualTo(42);
            assertThat(r.getShort(8)).as("error").isZero();
            assertThat(r.get(10)).as("type clock").isZero();
            assertThat(r.getInt(44)).as("events").isEqualTo(1);
            assertThat(r.getInt(48)).as("bytes written").isEqualTo(15);
            assertThat(r.getInt(52)).as("errno").isZero();
            assertThat(elapsedMillis).as("slept the 20 ms of the unstable clock subscription").isGreaterThanOrEqualTo(20);
            assertThat(console.lines).containsExactly("unstable hello");
        }
    }
}
