package dev.kelpie.guest.wasi.spi;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Memory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Kelpie's own implementations of the WASI functions where Chicory's would not do: {@code fd_write} to
 * stdout/stderr (console lines with caps), {@code poll_oneoff} (a sleep that an interrupt ends as an
 * interruption, and the {@code wasi_unstable} subscription layout), the clocks (every clock id, errors
 * as errno) and {@code random_get} (bounds-checked, in chunks). Every guest pointer is checked before
 * the host reads, writes or allocates; a bad one answers {@code EFAULT}.
 */
final class WasiFunctions {
    static final int ESUCCESS = 0;
    static final int EBADF = 8;
    static final int EFAULT = 21;
    static final int EINVAL = 28;
    static final int ENOSYS = 52;

    /** POSIX IOV_MAX: more iovecs in one {@code fd_write} are refused with EINVAL. */
    static final int MAX_IOVECS = 1024;

    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int CLOCK_PROCESS_CPUTIME = 2;
    private static final int CLOCK_THREAD_CPUTIME = 3;
    private static final int EVENT_CLOCK = 0;
    private static final int EVENT_FD_READ = 1;
    private static final int EVENT_FD_WRITE = 2;
    private static final int EVENT_SIZE = 32;
    private static final short FD_READWRITE_HANGUP = 1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final ConsoleOutput console;
    private final Clock wallClock = Clock.systemUTC();

    WasiFunctions(ConsoleOutput console) {
        this.console = console;
    }

    static long memorySize(Memory memory) {
        return (long) memory.pages() * Memory.PAGE_SIZE;
    }

    static boolean inBounds(Memory memory, long ptr, long len) {
        return ptr >= 0 && len >= 0 && ptr + len <= memorySize(memory);
    }

    static long u32(long arg) {
        return arg & 0xFFFF_FFFFL;
    }

    // ---- iovecs: checked before Chicory sees them ----

    /**
     * Checks an iovec array and every buffer it names against the guest's memory: ESUCCESS, EINVAL for
     * more than {@link #MAX_IOVECS}, EFAULT for a range outside memory. Chicory's {@code fd_read} and
     * {@code fd_pread} allocate each iovec's length before reading, so they get only checked iovecs.
     */
    static int checkIovecs(Memory memory, long iovs, long iovsLen) {
        if (iovsLen > MAX_IOVECS) {
            return EINVAL;
        }
        if (!inBounds(memory, iovs, iovsLen * 8)) {
            return EFAULT;
        }
        for (int i = 0; i < iovsLen; i++) {
            long ptr = u32(memory.readInt((int) (iovs + 8L * i)));
            long len = u32(memory.readInt((int) (iovs + 8L * i + 4)));
            if (!inBounds(memory, ptr, len)) {
                return EFAULT;
            }
        }
        return ESUCCESS;
    }

    /** {@code fd_read} from stdin: always at end of file. */
    static int readStdin(Memory memory, long nreadPtr) {
        if (!inBounds(memory, nreadPtr, 4)) {
            return EFAULT;
        }
        memory.writeI32((int) nreadPtr, 0);
        return ESUCCESS;
    }

    // ---- fd_write to stdout (1) and stderr (2) ----

    /** {@code fd_write} for fds 1 and 2; -1 for any other fd (the caller delegates). */
    int fdWriteConsole(Memory memory, int fd, long iovs, long iovsLen, long nwrittenPtr) {
        ConsoleOutput.Stream stream = fd == 1 ? console.stdout : fd == 2 ? console.stderr : null;
        if (stream == null) {
            return -1;
        }
        int checked = checkIovecs(memory, iovs, iovsLen);
        if (checked != ESUCCESS) {
            return checked;
        }
        if (!inBounds(memory, nwrittenPtr, 4)) {
            return EFAULT;
        }
        long total = 0;
        for (int i = 0; i < iovsLen; i++) {
            total += u32(memory.readInt((int) (iovs + 8L * i + 4)));
        }
        if (total > Integer.MAX_VALUE) {
            return EINVAL;
        }
        for (int i = 0; i < iovsLen; i++) {
            int ptr = memory.readInt((int) (iovs + 8L * i));
            int len = memory.readInt((int) (iovs + 8L * i + 4));
            stream.write(memory, ptr, len);
        }
        memory.writeI32((int) nwrittenPtr, (int) total);
        return ESUCCESS;
    }

    // ---- clocks and randomness ----

    /** The clock's time in nanoseconds, or -1 for an unknown clock. */
    long now(int clockId) {
        switch (clockId) {
            case CLOCK_REALTIME:
                Instant t = wallClock.instant();
                return t.getEpochSecond() * 1_000_000_000L + t.getNano();
            case CLOCK_MONOTONIC:
                return System.nanoTime();
            case CLOCK_PROCESS_CPUTIME:
            case CLOCK_THREAD_CPUTIME:
                // The instance runs on the calling thread: its CPU time stands for both.
                long cpu = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
                return cpu >= 0 ? cpu : System.nanoTime();
            default:
                return -1;
        }
    }

    int clockTimeGet(Memory memory, int clockId, long resultPtr) {
        if (!inBounds(memory, resultPtr, 8)) {
            return EFAULT;
        }
        long now = now(clockId);
        if (now < 0) {
            return EINVAL;
        }
        memory.writeLong((int) resultPtr, now);
        return ESUCCESS;
    }

    int clockResGet(Memory memory, int clockId, long resultPtr) {
        if (!inBounds(memory, resultPtr, 8)) {
            return EFAULT;
        }
        if (clockId < CLOCK_REALTIME || clockId > CLOCK_THREAD_CPUTIME) {
            return EINVAL;
        }
        memory.writeLong((int) resultPtr, clockId == CLOCK_REALTIME ? 1000L : 1L);
        return ESUCCESS;
    }

    int randomGet(Memory memory, long ptr, long len) {
        if (!inBounds(memory, ptr, len)) {
            return EFAULT;
        }
        byte[] chunk = new byte[(int) Math.min(4096, len)];
        for (long done = 0; done < len; done += chunk.length) {
            int n = (int) Math.min(chunk.length, len - done);
            RANDOM.nextBytes(chunk);
            memory.write((int) (ptr + done), chunk, 0, n);
        }
        return ESUCCESS;
    }

    // ---- poll_oneoff ----

    /**
     * {@code poll_oneoff}: fd subscriptions are ready at once (stdin at end of file, stdout/stderr
     * writable, other fds EBADF); otherwise the thread sleeps until the earliest clock subscription is
     * due. An interrupt ends the sleep with {@link ChicoryInterruptedException}, the interrupt flag kept,
     * so the host reports an interruption, not a trap.
     *
     * @param unstable {@code wasi_unstable}'s layout: the clock subscription carries an extra 8-byte
     *     identifier before the clock id (subscriptions of 56 bytes instead of 48)
     */
    int pollOneoff(Memory memory, long in, long out, long count, long neventsPtr, boolean unstable) {
        int size = unstable ? 56 : 48;
        int clockOffset = unstable ? 24 : 16;
        if (count == 0) {
            return EINVAL;
        }
        if (!inBounds(memory, in, count * size) || !inBounds(memory, out, count * EVENT_SIZE)
                || !inBounds(memory, neventsPtr, 4)) {
            return EFAULT;
        }
        long startMono = System.nanoTime();
        long[] startClocks = {now(CLOCK_REALTIME), startMono, now(CLOCK_PROCESS_CPUTIME), now(CLOCK_THREAD_CPUTIME)};
        long wait = Long.MAX_VALUE;
        for (long i = 0; i < count; i++) {
            long sub = in + i * size;
            long delay = memory.read((int) sub + 8) == EVENT_CLOCK ? delay(memory, sub + clockOffset, startClocks) : 0;
            wait = Math.min(wait, Math.max(0, delay));
        }
        sleep(startMono, wait);
        long elapsed = System.nanoTime() - startMono;
        int events = 0;
        for (long i = 0; i < count; i++) {
            long sub = in + i * size;
            int type = memory.read((int) sub + 8) & 0xFF;
            int error = ESUCCESS;
            short flags = 0;
            if (type == EVENT_CLOCK) {
                long delay = delay(memory, sub + clockOffset, startClocks);
                if (delay > elapsed) {
                    continue;
                }
                error = delay < 0 ? EINVAL : ESUCCESS;
            } else if (type == EVENT_FD_READ || type == EVENT_FD_WRITE) {
                int fd = memory.readInt((int) sub + 16);
                boolean ok = type == EVENT_FD_READ ? fd == 0 : fd == 1 || fd == 2;
                error = ok ? ESUCCESS : EBADF;
                flags = ok && fd == 0 ? FD_READWRITE_HANGUP : 0;
            } else {
                error = EINVAL;
            }
            int event = (int) (out + (long) events * EVENT_SIZE);
            memory.write(event, new byte[EVENT_SIZE]);
            memory.writeLong(event, memory.readLong((int) sub));
            memory.writeShort(event + 8, (short) error);
            memory.writeByte(event + 10, (byte) type);
            memory.writeShort(event + 24, flags);
            events++;
        }
        memory.writeI32((int) neventsPtr, events);
        return ESUCCESS;
    }

    /**
     * Nanoseconds from the start of the poll until a clock subscription is due (0 if already due,
     * {@link Long#MAX_VALUE} for "never" in practice), or -1 for an unknown clock id.
     */
    private static long delay(Memory memory, long clock, long[] startClocks) {
        int clockId = memory.readInt((int) clock);
        long timeout = memory.readLong((int) clock + 8);
        boolean absolute = (memory.readShort((int) clock + 24) & 1) != 0;
        if (clockId < 0 || clockId >= startClocks.length) {
            return -1;
        }
        if (!absolute) {
            return timeout < 0 ? Long.MAX_VALUE : timeout; // an unsigned timeout over 2^63 ns: forever
        }
        long now = startClocks[clockId];
        return Long.compareUnsigned(timeout, now) <= 0 ? 0 : timeout - now < 0 ? Long.MAX_VALUE : timeout - now;
    }

    private static void sleep(long start, long nanos) {
        try {
            for (long left = remaining(start, nanos); left > 0; left = remaining(start, nanos)) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChicoryInterruptedException("the guest was interrupted while it slept in poll_oneoff");
        }
    }

    private static long remaining(long start, long nanos) {
        return nanos == Long.MAX_VALUE ? Long.MAX_VALUE : nanos - (System.nanoTime() - start);
    }
}
