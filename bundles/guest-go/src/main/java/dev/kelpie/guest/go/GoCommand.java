package dev.kelpie.guest.go;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.kelpie.api.wasm.GuestEntry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One Go guest instance driven by Kelpie's command convention: its {@code _start} (Go's {@code main})
 * runs on a thread of its own and, inside {@code kelpie.Serve}, asks for each next call through
 * {@code kelpie_go.next_call}. The calling thread hands a call over and waits; host functions the guest
 * calls meanwhile are relayed back to the waiting thread and run there. Closing answers {@code next_call}
 * with -1 (main returns) and waits, bounded, for the thread to end, interrupting it when it does not.
 */
final class GoCommand implements GuestEntry {
    /** What {@code next_call} answers when the instance closes: {@code kelpie.Serve} returns. */
    static final long SHUT_DOWN = -1;
    /** The prefix of every guest thread's name. */
    static final String THREAD_PREFIX = "kelpie-go-";

    private final String moduleLabel;
    private final String instanceLabel;
    private final Duration shutdownWait;
    private final Consumer<String> notices;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    // all guarded by lock
    private Thread guest;
    private boolean ended;
    private Throwable endCause;
    private boolean closing;
    /** The next call for the guest, packed as next_call answers it; valid while callPending. */
    private long nextCall;
    private boolean callPending;
    /** What the guest thread hands the waiting caller: a Ready or a Relay; null when nothing. */
    private Object toCaller;
    private boolean relayDone;
    private Object relayValue;
    private Throwable relayFailure;

    /** The guest reached next_call: the previous call's result (1 before the first call). */
    private static final class Ready {
        final int previousResult;

        Ready(int previousResult) {
            this.previousResult = previousResult;
        }
    }

    /** Host work the guest asks the waiting caller to run. */
    private static final class Relay {
        final Callable<?> work;

        Relay(Callable<?> work) {
            this.work = work;
        }
    }

    GoCommand(String moduleLabel, String instanceLabel, Duration shutdownWait, Consumer<String> notices) {
        this.moduleLabel = moduleLabel;
        this.instanceLabel = instanceLabel;
        this.shutdownWait = shutdownWait;
        this.notices = notices;
    }

    // ---- the calling side ----

    @Override
    public void start(Instance instance) {
        Thread thread = new Thread(() -> runMain(instance), THREAD_PREFIX + instanceLabel);
        thread.setDaemon(true);
        lock.lock();
        try {
            if (guest != null) {
                throw new IllegalStateException("the Go guest of instance '" + instanceLabel + "' was started already");
            }
            guest = thread;
            thread.start();
            awaitGuest(true);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int call(int operationLength, int payloadLength) {
        lock.lock();
        try {
            if (guest == null || ended || closing) {
                throw new ChicoryException(ended ? ended("during an earlier call") : "the Go guest is not serving");
            }
            nextCall = ((long) operationLength << 32) | (payloadLength & 0xFFFF_FFFFL);
            callPending = true;
            changed.signalAll();
            return awaitGuest(false);
        } finally {
            lock.unlock();
        }
    }

    /** Waits (lock held) until the guest asks for its next call, running relayed host work meanwhile. */
    private int awaitGuest(boolean starting) {
        while (true) {
            Object message = toCaller;
            toCaller = null;
            if (message instanceof Ready) {
                return ((Ready) message).previousResult;
            }
            if (message instanceof Relay) {
                runRelayed((Relay) message);
                continue;
            }
            if (ended) {
                throw endedFailure(starting);
            }
            try {
                changed.await();
            } catch (InterruptedException e) {
                stopGuest();
                Thread.currentThread().interrupt();
                throw new ChicoryInterruptedException("the thread waiting for the Go guest was interrupted");
            }
        }
    }

    /** Runs host work on this (the caller's) thread, with the lock released, and hands the outcome back. */
    private void runRelayed(Relay relay) {
        Object value = null;
        Throwable failure = null;
        lock.unlock();
        try {
            value = relay.work.call();
        } catch (Throwable e) {
            failure = e;
        } finally {
            lock.lock();
        }
        relayValue = value;
        relayFailure = failure;
        relayDone = true;
        changed.signalAll();
    }

    private RuntimeException endedFailure(boolean starting) {
        Throwable cause = endCause;
        if (starting) {
            if (cause == null || cause instanceof WasiExitException && ((WasiExitException) cause).exitCode() == 0) {
                return new IllegalStateException("the Go guest's main returned before it served a call (it must end in"
                        + " kelpie.Serve(), which waits on kelpie_go.next_call)", cause);
            }
            if (cause instanceof WasiExitException) {
                return new IllegalStateException("the guest exited with code " + ((WasiExitException) cause).exitCode()
                        + " in _start before it served a call", cause);
            }
        }
        if (cause instanceof RuntimeException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new ChicoryException(ended("during the call"), cause);
    }

    private String ended(String when) {
        return "the Go guest's main ended " + when;
    }

    /**
     * Interrupts the guest thread and waits, bounded, for it to end (lock held). A host call it relays
     * meanwhile is refused. The caller's own interrupt is restored by the caller.
     */
    private void stopGuest() {
        if (guest == null || ended) {
            return;
        }
        guest.interrupt();
        awaitEnd();
        if (!ended) {
            notices.accept("the Go guest thread " + guest.getName() + " of module " + moduleLabel
                    + " did not stop within " + shutdownWait.toMillis() + " ms of its interrupt");
        }
    }

    /** Waits up to the shutdown wait for the guest thread to end (lock held), refusing relayed work. */
    private void awaitEnd() {
        long nanos = shutdownWait.toNanos();
        boolean interrupted = false;
        while (!ended && nanos > 0) {
            if (toCaller instanceof Relay) {
                toCaller = null;
                relayValue = null;
                relayFailure = new InterruptedException("the call was interrupted");
                relayDone = true;
                changed.signalAll();
            }
            try {
                nanos = changed.awaitNanos(nanos);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the guest: next_call answers -1 so main returns; after the shutdown wait, an interrupt. */
    void close() {
        Thread thread;
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
            thread = guest;
            if (thread == null) {
                return;
            }
            if (!ended) {
                awaitEnd();
            }
            if (!ended) {
                stopGuest();
            }
            if (!ended) {
                return; // stopGuest reported it
            }
        } finally {
            lock.unlock();
        }
        // It has ended its guest code: let it finish dying, so that no thread outlives its instance.
        boolean interrupted = false;
        long deadline = System.nanoTime() + shutdownWait.toNanos();
        while (thread.isAlive() && System.nanoTime() < deadline) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the guest thread has ended (tests). */
    boolean hasEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    // ---- the guest side: the guest thread ----

    private void runMain(Instance instance) {
        Throwable cause = null;
        try {
            instance.export("_start").apply();
        } catch (Throwable e) {
            cause = e;
        } finally {
            lock.lock();
            try {
                ended = true;
                endCause = cause;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The import kelpie_go.next_call: reports the previous call's result and waits for the next call. */
    long nextCall(int previousResult) {
        lock.lock();
        try {
            if (closing) {
                return SHUT_DOWN;
            }
            toCaller = new Ready(previousResult);
            changed.signalAll();
            while (!callPending && !closing) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    throw new ChicoryInterruptedException("the Go guest was interrupted waiting for its next call");
                }
            }
            if (!callPending) {
                return SHUT_DOWN;
            }
            callPending = false;
            return nextCall;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public <T> T onCallerThread(Callable<T> work) throws Exception {
        lock.lock();
        try {
            if (Thread.currentThread() != guest) {
                lock.unlock();
                try {
                    return work.call();
                } finally {
                    lock.lock();
                }
            }
            relayDone = false;
            Relay relay = new Relay(work);
            toCaller = relay;
            changed.signalAll();
            while (!relayDone) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    if (toCaller == relay) {
                        toCaller = null; // not taken yet: it never runs
                    }
                    throw e; // the waPC host reports the host call as interrupted; the guest stops at its next check
                }
            }
            relayDone = false;
            Throwable failure = relayFailure;
            @SuppressWarnings("unchecked")
            T value = (T) relayValue;
            relayValue = null;
            relayFailure = null;
            if (failure instanceof Exception) {
                throw (Exception) failure;
            }
            if (failure instanceof Error) {
                throw (Error) failure;
            }
            return value;
        } finally {
            lock.unlock();
        }
    }
}
