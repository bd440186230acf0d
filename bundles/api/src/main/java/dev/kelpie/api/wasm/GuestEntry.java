package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.Instance;
import java.util.concurrent.Callable;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Drives an instance whose guest cannot export {@code __guest_call}: it serves calls from a thread of its
 * own and asks the host for each next call through an import (a Go WASI command, for example). A
 * {@link GuestBinding} supplies one through {@link GuestBinding#entry()}; the waPC host then accepts the
 * module without {@code __guest_call}, runs none of its own init convention ({@code _start},
 * {@code _initialize}, {@code wapc_init}) and hands every call to the entry. Inside a call the guest uses
 * the ordinary {@code wapc} imports. The host closes the binding, and so the entry, with the instance.
 */
@ConsumerType
public interface GuestEntry {
    /**
     * Starts the guest on its instance and returns once it is ready for its first call. Runs on the
     * instantiating thread under the init timeout: an interrupt of that thread must stop the guest and end
     * this method with a {@link RuntimeException}.
     *
     * @throws RuntimeException naming why the guest could not start (reported as an init failure)
     */
    void start(Instance instance);

    /**
     * Hands the guest one call, whose operation and payload it fetches with {@code __guest_request}, and
     * waits for its outcome. Runs on the calling thread.
     *
     * @return what {@code __guest_call} would: 1 when the guest answered, 0 when it failed
     * @throws RuntimeException what the guest's code threw (a trap, {@code WasiExitException}); when the
     *     calling thread is interrupted, the guest is stopped and a
     *     {@code com.dylibso.chicory.runtime.ChicoryInterruptedException} thrown with the thread's interrupt
     *     flag set, as if the guest had run on the calling thread
     */
    int call(int operationLength, int payloadLength);

    /**
     * Runs work of the host (a host function the guest called) on the thread waiting in {@link #start} or
     * {@link #call}, and returns its result or throws what it threw. Host functions rely on running on the
     * caller's thread (an actor's state belongs to its turn). The host calls this from the guest's thread;
     * called from any other thread, it runs the work at once.
     */
    <T> T onCallerThread(Callable<T> work) throws Exception;
}
