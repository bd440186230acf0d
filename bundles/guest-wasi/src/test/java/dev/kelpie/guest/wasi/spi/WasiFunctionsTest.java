package dev.kelpie.guest.wasi.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.GuestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Kelpie's WASI functions on a bare memory: guest pointers, counts and layouts. */
@Timeout(30)
class WasiFunctionsTest {
    private static final long PAGE = Memory.PAGE_SIZE;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final ConsoleOutput console = new ConsoleOutput(
            new GuestContext(null, "t", (ModuleDescriptor m, String label, String line) -> lines.add(line)),
            WasiSettings.DEFAULTS);
    private final WasiFunctions wasi = new WasiFunctions(console);
    private final Memory memory = new ByteArrayMemory(new MemoryLimits(1, 1));

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private void iovec(int at, int ptr, int len) {
        memory.writeI32(at, ptr);
        memory.writeI32(at + 4, len);
    }

    @Test
    void fdWriteToStdoutCountsEveryByteAndOtherFdsAreLeftToChicory() {
        memory.write(100, "hello ".getBytes());
        memory.write(200, "world\n".getBytes());
        iovec(0, 100, 6);
        iovec(8, 200, 6);
        assertThat(wasi.fdWriteConsole(memory, 1, 0, 2, 16)).isEqualTo(WasiFunctions.ESUCCESS);
        assertThat(memory.readInt(16)).isEqualTo(12);
        assertThat(lines).containsExactly("hello world");
        assertThat(wasi.fdWriteConsole(memory, 3, 0, 2, 16)).isEqualTo(-1);
    }

    @Test
    void fdWriteRefusesBadPointersAndTooManyIovecsBeforeWritingAnything() {
        iovec(0, 100, 6);
        iovec(8, (int) PAGE - 2, 6); // runs past the end of memory
        assertThat(wasi.fdWriteConsole(memory, 1, 0, 2, 16)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.fdWriteConsole(memory, 1, PAGE - 4, 1, 16)).as("iovec array out of bounds").isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.fdWriteConsole(memory, 1, 0, 1, PAGE)).as("nwritten out of bounds").isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.fdWriteConsole(memory, 2, 0, WasiFunctions.MAX_IOVECS + 1, 16)).isEqualTo(WasiFunctions.EINVAL);
        console.flush();
        assertThat(lines).isEmpty();
    }

    @Test
    void iovecsAreCheckedBeforeChicoryAllocatesForThem() {
        iovec(0, 100, 6);
        assertThat(WasiFunctions.checkIovecs(memory, 0, 1)).isEqualTo(WasiFunctions.ESUCCESS);
        iovec(8, 200, 0x7FFF_FFFF); // a 2 GiB buffer Chicory's fd_read would allocate
        assertThat(WasiFunctions.checkIovecs(memory, 0, 2)).isEqualTo(WasiFunctions.EFAULT);
        iovec(8, -1, 1);
        assertThat(WasiFunctions.checkIovecs(memory, 0, 2)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(WasiFunctions.checkIovecs(memory, PAGE - 4, 1)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(WasiFunctions.checkIovecs(memory, 0, WasiFunctions.MAX_IOVECS + 1)).isEqualTo(WasiFunctions.EINVAL);
        memory.writeI32(64, 99);
        assertThat(WasiFunctions.readStdin(memory, 64)).isEqualTo(WasiFunctions.ESUCCESS);
        assertThat(memory.readInt(64)).isZero();
        assertThat(WasiFunctions.readStdin(memory, PAGE - 2)).isEqualTo(WasiFunctions.EFAULT);
    }

    @Test
    void randomGetFillsTheRangeAndRefusesOneOutOfBounds() {
        assertThat(wasi.randomGet(memory, 1000, 10_000)).isEqualTo(WasiFunctions.ESUCCESS);
        byte[] filled = memory.readBytes(1000, 10_000);
        int zeros = 0;
        for (byte b : filled) {
            zeros += b == 0 ? 1 : 0;
        }
        assertThat(zeros).isLessThan(200);
        assertThat(wasi.randomGet(memory, PAGE - 10, 11)).isEqualTo(WasiFunctions.EFAULT);
    }

    @Test
    void clocksAnswerEveryWasiClockIdAndRefuseOthers() {
        for (int id = 0; id < 4; id++) {
            assertThat(wasi.clockTimeGet(memory, id, 8)).as("clock %d", id).isEqualTo(WasiFunctions.ESUCCESS);
            assertThat(memory.readLong(8)).as("clock %d", id).isPositive();
            assertThat(wasi.clockResGet(memory, id, 8)).isEqualTo(WasiFunctions.ESUCCESS);
        }
        long realtime;
        wasi.clockTimeGet(memory, 0, 8);
        realtime = memory.readLong(8);
        assertThat(realtime / 1_000_000).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5_000L));
        assertThat(wasi.clockTimeGet(memory, 4, 8)).isEqualTo(WasiFunctions.EINVAL);
        assertThat(wasi.clockTimeGet(memory, 0, PAGE - 4)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.clockResGet(memory, -1, 8)).isEqualTo(WasiFunctions.EINVAL);
    }

    /** A preview 1 clock subscription at {@code at}. */
    private void clockSubscription(int at, long userdata, int clockId, long timeout, boolean absolute) {
        memory.writeLong(at, userdata);
        memory.writeByte(at + 8, (byte) 0);
        memory.writeI32(at + 16, clockId);
        memory.writeLong(at + 24, timeout);
        memory.writeShort(at + 40, (short) (absolute ? 1 : 0));
    }

    private void fdSubscription(int at, long userdata, int type, int fd) {
        memory.writeLong(at, userdata);
        memory.writeByte(at + 8, (byte) type);
        memory.writeI32(at + 16, fd);
    }

    @Test
    void pollOneoffSleepsUntilTheEarliestClockAndReportsOnlyDueEvents() {
        clockSubscription(0, 11, 1, 30_000_000L, false); // 30 ms
        clockSubscription(48, 22, 1, 60_000_000_000L, false); // 60 s
        long start = System.nanoTime();
        assertThat(wasi.pollOneoff(memory, 0, 1024, 2, 2048, false)).isEqualTo(WasiFunctions.ESUCCESS);
        long elapsed = System.nanoTime() - start;
        assertThat(elapsed).isBetween(30_000_000L, 10_000_000_000L);
        assertThat(memory.readInt(2048)).isEqualTo(1);
        assertThat(memory.readLong(1024)).isEqualTo(11);
        assertThat(memory.readShort(1032)).isZero();
    }

    @Test
    void pollOneoffWithAnAbsoluteRealtimeDeadlineInThePastReturnsAtOnce() {
        clockSubscription(0, 5, 0, 1_000L, true); // 1970
        assertThat(wasi.pollOneoff(memory, 0, 1024, 1, 2048, false)).isEqualTo(WasiFunctions.ESUCCESS);
        assertThat(memory.readInt(2048)).isEqualTo(1);
        assertThat(memory.readLong(1024)).isEqualTo(5);
    }

    @Test
    void fdSubscriptionsAreReadyAtOnceAndAClockIsNotWaitedFor() {
        clockSubscription(0, 1, 1, 60_000_000_000L, false);
        fdSubscription(48, 2, 1, 0); // read stdin: end of file
        fdSubscription(96, 3, 2, 1); // write stdout
        fdSubscription(144, 4, 1, 7); // read an fd that does not exist
        long start = System.nanoTime();
        assertThat(wasi.pollOneoff(memory, 0, 1024, 4, 2048, false)).isEqualTo(WasiFunctions.ESUCCESS);
        assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
        assertThat(memory.readInt(2048)).isEqualTo(3);
        assertThat(memory.readLong(1024)).isEqualTo(2);
        assertThat(memory.readShort(1024 + 24)).as("hangup").isEqualTo((short) 1);
        assertThat(memory.readLong(1056)).isEqualTo(3);
        assertThat(memory.readShort(1056 + 8)).isZero();
        assertThat(memory.readLong(1088)).isEqualTo(4);
        assertThat(memory.readShort(1088 + 8)).isEqualTo((short) WasiFunctions.EBADF);
    }

    @Test
    void pollOneoffRefusesNoSubscriptionsAndBadPointers() {
        assertThat(wasi.pollOneoff(memory, 0, 1024, 0, 2048, false)).isEqualTo(WasiFunctions.EINVAL);
        assertThat(wasi.pollOneoff(memory, PAGE - 40, 1024, 1, 2048, false)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.pollOneoff(memory, 0, PAGE - 16, 1, 2048, false)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.pollOneoff(memory, 0, 1024, 0xFFFF_FFFFL, 2048, false)).isEqualTo(WasiFunctions.EFAULT);
        assertThat(wasi.pollOneoff(memory, 0, 1024, 1, PAGE, false)).isEqualTo(WasiFunctions.EFAULT);
    }

    @Test
    void anUnknownClockIdIsAnEventWithEinval() {
        clockSubscription(0, 9, 17, 60_000_000_000L, false);
        assertThat(wasi.pollOneoff(memory, 0, 1024, 1, 2048, false)).isEqualTo(WasiFunctions.ESUCCESS);
        assertThat(memory.readInt(2048)).isEqualTo(1);
        assertThat(memory.readShort(1032)).isEqualTo((short) WasiFunctions.EINVAL);
    }

    @Test
    void anInterruptedThreadDoesNotSleepAndKeepsItsInterruptFlag() {
        clockSubscription(0, 1, 1, -1L, false); // u64 max: forever
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> wasi.pollOneoff(memory, 0, 1024, 1, 2048, false))
                .isInstanceOf(ChicoryInterruptedException.class)
                .hasMessageContaining("poll_oneoff");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }
}
