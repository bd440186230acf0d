package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.MemoryBudget;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests that try to exhaust the host (wasm-modules/wat): huge buffers, output floods, memory shared with
 * others, tables, endless initialisation and calls. Sizes stay small enough for the test JVM: a guest's
 * 4 MiB buffer stands for the 256 MiB one, against the host's default 1 MiB payload limit.
 */
@Timeout(30)
class HostileGuestTest {
    private static final int FOUR_MIB = 4 * 1024 * 1024;
    private static final long ONE_MIB = 1024 * 1024;
    /**
     * The call timeout of instances whose initialisation must succeed: it bounds initialisation too, and on a
     * loaded machine (load 20 on 2 cores) even a tiny module's took more than 30 ms.
     */
    private static final Duration INIT_PROOF_TIMEOUT = Duration.ofSeconds(1);

    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);

    HostileGuestTest() {
        host.setConsole(console);
    }

    @AfterEach
    void stopHost() {
        host.deactivate();
        assertThat(Thread.interrupted()).as("the test thread's interrupt flag").isFalse();
    }

    /** An instance of huge-buffers.wat whose memory has grown to 4 MiB. */
    private WapcInstance hugeBuffers() {
        WapcInstance instance = host.instantiate(Guests.wat("huge-buffers"), InstanceOptions.labelled("hostile"));
        assertThat(instance.invoke("g", new byte[63])).asString(UTF_8).isEqualTo("grown");
        assertThat(instance.memoryPages()).isEqualTo(64);
        return instance;
    }

    /** Bytes the current thread allocates while running the action. */
    private static long allocatedBy(Runnable action) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    // ---- payload limit ----

    @Test
    void aResponseOverThePayloadLimitIsAGuestErrorAndIsNotCopied() {
        try (WapcInstance instance = hugeBuffers()) {
            GuestCallException[] thrown = new GuestCallException[1];
            long allocated = allocatedBy(() -> thrown[0] = catchThrowableOfType(GuestCallException.class,
                    () -> instance.invoke("rr", new byte[0])));

            assertThat(thrown[0]).isNotNull();
            assertThat(thrown[0].kind()).isEqualTo(Kind.GUEST_ERROR);
            assertThat(thrown[0].detail()).contains("__guest_response", "response of " + FOUR_MIB + " bytes",
                    "payload limit of 1048576 bytes", "nothing was copied");
            assertThat(allocated).as("bytes allocated by the call").isLessThan(ONE_MIB);
            assertThat(instance.isClosed()).as("the guest broke no rule of the ABI").isFalse();
            assertThat(instance.invoke("g", new byte[0])).asString(UTF_8).isEqualTo("grown");
        }
    }

    @Test
    void theInstanceMayRaiseOrLowerThePayloadLimit() {
        try (WapcInstance instance = host.instantiate(Guests.wat("huge-buffers"),
                InstanceOptions.labelled("hostile").withMaxPayloadBytes(FOUR_MIB))) {
            instance.invoke("g", new byte[63]);
            assertThat(instance.invoke("rr", new byte[0])).hasSize(FOUR_MIB);
        }
        try (WapcInstance instance = host.instantiate(Guests.wat("huge-buffers"),
                InstanceOptions.labelled("hostile").withMaxPayloadBytes(1000))) {
            GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("rr", new byte[0]));
            assertThat(e.detail()).contains("response of 65536 bytes is over the payload limit of 1000 bytes");
        }
    }

    @Test
    void anErrorMessageOverThePayloadLimitIsNotCopied() {
        try (WapcInstance instance = hugeBuffers()) {
            GuestCallException[] thrown = new GuestCallException[1];
            long allocated = allocatedBy(() -> thrown[0] = catchThrowableOfType(GuestCallException.class,
                    () -> instance.invoke("eee", new byte[0])));

            assertThat(thrown[0].kind()).isEqualTo(Kind.GUEST_ERROR);
            assertThat(thrown[0].detail()).contains("__guest_error", "error message of " + FOUR_MIB + " bytes",
                    "payload limit of 1048576 bytes");
            assertThat(allocated).isLessThan(ONE_MIB);
        }
    }

    @Test
    void aConsoleLineOverTheLimitIsCutBeforeItIsCopied() {
        try (WapcInstance instance = hugeBuffers()) {
            long allocated = allocatedBy(() -> instance.invoke("llll", new byte[0]));

            assertThat(console.lines).hasSize(1);
            String line = console.lines.get(0);
            assertThat(line).endsWith("…(truncated: " + FOUR_MIB + " bytes, limit 131072)");
            assertThat(line.length()).isLessThan(140_000);
            assertThat(allocated).isLessThan(ONE_MIB);
        }
    }

    @Test
    void aHostCallPayloadOverTheLimitNeverReachesTheHostFunction() {
        AtomicInteger calls = new AtomicInteger();
        host.register(new HostFunctionKey("kelpie", "test", "echo"), call -> {
            calls.incrementAndGet();
            return call.payload();
        });
        try (WapcInstance instance = hugeBuffers()) {
            byte[][] answer = new byte[1][];
            long allocated = allocatedBy(() -> answer[0] = instance.invoke("hhhhh", new byte[0]));

            assertThat(answer[0]).asString(UTF_8).as("the guest saw a host error").isEqualTo("host error");
            assertThat(calls).hasValue(0);
            assertThat(allocated).isLessThan(ONE_MIB);
        }
        try (WapcInstance instance = host.instantiate(Guests.wat("huge-buffers"), InstanceOptions.labelled("small"))) {
            assertThat(instance.invoke("hhhhh", new byte[0])).asString(UTF_8).as("64 KiB passes").isEqualTo("grown");
            assertThat(calls).hasValue(1);
        }
    }

    @Test
    void aHostCallNameOverItsLimitIsNotCopied() {
        try (WapcInstance instance = hugeBuffers()) {
            byte[][] answer = new byte[1][];
            long allocated = allocatedBy(() -> answer[0] = instance.invoke("nnnnnn", new byte[0]));

            assertThat(answer[0]).asString(UTF_8).isEqualTo("host error");
            assertThat(allocated).isLessThan(ONE_MIB);
        }
    }

    // ---- output floods ----

    @Test
    void aConsoleFloodIsCutToTheRateAndReportedOnce() {
        try (WapcInstance instance = host.instantiate(Guests.wat("output-flood"), InstanceOptions.labelled("noisy"))) {
            assertThat(instance.invoke("c", new byte[10_000])).asString(UTF_8).isEqualTo("done");

            List<String> notices = notices();
            assertThat(notices).hasSize(1);
            assertThat(notices.get(0)).contains("output-flood.wasm", "instance 'noisy'", "100 lines/s",
                    "65536 bytes/s", "dropped and counted");
            long written = console.lines.size() - 1;
            assertThat(written).as("the burst, and what refilled meanwhile").isBetween(200L, 1_000L);
            assertThat(instance.droppedOutputLines()).isEqualTo(10_000 - written);

            instance.invoke("c", new byte[1_000]);
            assertThat(notices()).as("one notice per instance").hasSize(1);
            assertThat(instance.droppedOutputLines()).isGreaterThan(10_000 - written);
        }
    }

    @Test
    void hostFunctionsWriteThroughTheSameLimiter() {
        List<String> logged = new CopyOnWriteArrayList<>();
        host.register(new HostFunctionKey("kelpie", "log", "info"), call -> {
            if (call.output().tryEmit(call.payload().length)) {
                logged.add(new String(call.payload(), UTF_8));
            }
            return new byte[0];
        });
        try (WapcInstance instance = host.instantiate(Guests.wat("output-flood"), InstanceOptions.labelled("noisy"))) {
            instance.invoke("hh", new byte[5_000]);

            assertThat(logged).hasSizeBetween(200, 1_000).allMatch("flood line"::equals);
            assertThat(instance.droppedOutputLines()).isEqualTo(5_000 - logged.size());
            assertThat(notices()).hasSize(1);
        }
    }

    @Test
    void withoutARateEveryLineIsWritten() {
        ChicoryWapcHost unlimited = new ChicoryWapcHost(WapcSettings.DEFAULTS.withOutputRate(0, 0));
        unlimited.setConsole(console);
        try (WapcInstance instance = unlimited.instantiate(Guests.wat("output-flood"), InstanceOptions.labelled("n"))) {
            instance.invoke("c", new byte[2_000]);
            assertThat(console.lines).hasSize(2_000);
            assertThat(instance.droppedOutputLines()).isZero();
        }
    }

    private List<String> notices() {
        return console.lines.stream().filter(l -> l.contains("is over the limit of")).collect(Collectors.toList());
    }

    // ---- shared memory budget ----

    /** A budget of bytes shared by instances. */
    static final class SharedBudget implements MemoryBudget {
        final long capacity;
        final AtomicLong used = new AtomicLong();

        SharedBudget(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean tryReserve(long bytes) {
            while (true) {
                long now = used.get();
                if (now + bytes > capacity) {
                    return false;
                }
                if (used.compareAndSet(now, now + bytes)) {
                    return true;
                }
            }
        }

        @Override
        public void release(long bytes) {
            used.addAndGet(-bytes);
        }
    }

    @Test
    void aSharedBudgetRefusesTheSecondInstancesGrowth() {
        SharedBudget budget = new SharedBudget(3 * 65536);
        InstanceOptions options = InstanceOptions.labelled("a").withMemoryBudget(budget);
        WapcInstance first = host.instantiate(Guests.wat("memory-grow"), options);
        WapcInstance second = host.instantiate(Guests.wat("memory-grow"), InstanceOptions.labelled("b").withMemoryBudget(budget));
        assertThat(budget.used).as("their initial pages").hasValue(2 * 65536);

        assertThat(littleEndianInt(first.invoke("grow", new byte[1]))).as("old size").isEqualTo(1);
        assertThat(littleEndianInt(second.invoke("grow", new byte[1]))).as("refused").isEqualTo(-1);
        assertThat(second.memoryPages()).isEqualTo(1);
        assertThat(budget.used).hasValue(3 * 65536);

        first.close();
        first.close();
        assertThat(budget.used).as("released once").hasValue(65536);
        assertThat(littleEndianInt(second.invoke("grow", new byte[2]))).isEqualTo(1);
        second.close();
        assertThat(budget.used).hasValue(0);
    }

    @Test
    void anExhaustedBudgetRefusesInstantiation() {
        SharedBudget budget = new SharedBudget(65536);
        try (WapcInstance first = host.instantiate(Guests.wat("memory-grow"), InstanceOptions.labelled("a").withMemoryBudget(budget))) {
            ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                    () -> host.instantiate(Guests.wat("memory-grow"), InstanceOptions.labelled("b").withMemoryBudget(budget)));

            assertThat(e.getMessage()).contains("memory-grow.wasm@", "instance 'b'", "65536 bytes",
                    "shared memory budget is exhausted");
            assertThat(budget.used).hasValue(65536);
        }
        assertThat(budget.used).hasValue(0);
    }

    @Test
    void aFailedInstantiationGivesItsMemoryBack() {
        SharedBudget budget = new SharedBudget(10 * 65536);
        catchThrowableOfType(ModuleInstantiationException.class,
                () -> host.instantiate(Guests.wat("init-trap"), InstanceOptions.labelled("t").withMemoryBudget(budget)));
        assertThat(budget.used).hasValue(0);
    }

    // ---- tables ----

    @Test
    void tableGrowthIsCappedPerInstance() {
        try (WapcInstance instance = host.instantiate(Guests.wat("table-grow"), InstanceOptions.labelled("t"))) {
            assertThat(littleEndianInt(instance.invoke("grow", new byte[2]))).as("131072 entries: refused").isEqualTo(-1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[1]))).as("old size").isEqualTo(1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[1]))).as("past 100000").isEqualTo(-1);
        }
    }

    @Test
    void oneInstancesTableGrowthDoesNotReachTheNextInstance() {
        // Chicory 1.7.5 grows the limits object of the parsed module, which every instance shares
        for (int i = 0; i < 3; i++) {
            try (WapcInstance instance = host.instantiate(Guests.wat("table-grow"), InstanceOptions.labelled("t" + i))) {
                assertThat(littleEndianInt(instance.invoke("grow", new byte[1]))).as("instance %d starts at the declared size", i)
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aDeclaredTableOverTheCapIsRefusedBeforeItIsAllocated() {
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                () -> host.instantiate(Guests.wat("big-table"), InstanceOptions.labelled("t")));
        assertThat(e.getMessage()).contains("big-table.wasm@", "instance 't'", "1000000 entries",
                "cap of 100000 entries");
    }

    @Test
    void theInterpreterHonoursTheBudgetAndTheTableCapToo() {
        SharedBudget budget = new SharedBudget(2 * 65536);
        var memoryGrow = Guests.INTERPRETED.install("memory-grow.wasm", Guests.bytes("/wasm/wat/memory-grow.wasm"));
        try (WapcInstance instance = host.instantiate(memoryGrow, InstanceOptions.labelled("i").withMemoryBudget(budget))) {
            assertThat(littleEndianInt(instance.invoke("grow", new byte[2]))).isEqualTo(-1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[1]))).isEqualTo(1);
        }
        assertThat(budget.used).hasValue(0);
        var tableGrow = Guests.INTERPRETED.install("table-grow.wasm", Guests.bytes("/wasm/wat/table-grow.wasm"));
        try (WapcInstance instance = host.instantiate(tableGrow, InstanceOptions.labelled("i"))) {
            assertThat(littleEndianInt(instance.invoke("grow", new byte[2]))).isEqualTo(-1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[1]))).isEqualTo(1);
        }
    }

    // ---- call timeout ----

    @Test
    void anEndlessWapcInitIsStoppedByTheCallTimeout() {
        assertInitialisationTimesOut("init-loop");
    }

    @Test
    void anEndlessStartSectionIsStoppedByTheCallTimeout() {
        assertInitialisationTimesOut("start-loop");
    }

    private void assertInitialisationTimesOut(String wat) {
        long start = System.nanoTime();
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class, () -> host.instantiate(
                Guests.wat(wat), InstanceOptions.labelled("slow").withCallTimeout(Duration.ofMillis(200))));

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(wat + ".wasm@", "instance 'slow'",
                "initialisation ran past the call timeout of 200 ms");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void anEndlessCallIsStoppedByTheCallTimeoutAndTheInstanceClosed() {
        WapcInstance instance = host.instantiate(Guests.wat("endless-loop"),
                InstanceOptions.labelled("slow").withCallTimeout(INIT_PROOF_TIMEOUT));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("spin", new byte[0]));

        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(e.detail()).isEqualTo("ran past the call timeout of " + INIT_PROOF_TIMEOUT.toMillis() + " ms");
        assertThat(instance.isClosed()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        GuestCallException closed = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("x", new byte[0]));
        assertThat(closed.kind()).isEqualTo(Kind.CLOSED);
        assertThat(closed.detail()).contains("ran past the call timeout");
    }

    @Test
    void callsWithinTheTimeoutLeaveNoInterruptBehind() throws InterruptedException {
        try (WapcInstance instance = host.instantiate(Guests.wat("init-order"),
                InstanceOptions.labelled("quick").withCallTimeout(INIT_PROOF_TIMEOUT))) {
            for (int i = 0; i < 200; i++) {
                instance.invoke("x", new byte[0]);
            }
            // past every deadline: a timer the calls left armed would interrupt this sleep
            Thread.sleep(INIT_PROOF_TIMEOUT.toMillis() + 200);
            assertThat(instance.isClosed()).isFalse();
        }
    }

    @Test
    void afterTheHostStopsCallsWithATimeoutAreRefused() {
        WapcInstance instance = host.instantiate(Guests.wat("init-order"),
                InstanceOptions.labelled("late").withCallTimeout(Duration.ofSeconds(5)));
        host.deactivate();

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("x", new byte[0]));
        assertThat(e.kind()).isEqualTo(Kind.REFUSED);
        assertThat(e.detail()).contains("waPC host was stopped");
        Supplier<WapcInstance> another = () -> host.instantiate(Guests.wat("init-order"),
                InstanceOptions.labelled("later").withCallTimeout(Duration.ofSeconds(5)));
        assertThat(catchThrowableOfType(ModuleInstantiationException.class, another::get))
                .hasMessageContaining("waPC host was stopped");
    }

    private static int littleEndianInt(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }
}
