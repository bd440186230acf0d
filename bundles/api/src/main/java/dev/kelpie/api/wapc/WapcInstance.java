package dev.kelpie.api.wapc;

import dev.kelpie.api.module.ModuleDescriptor;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One instance of a guest module with its own memory. Calls are serialised: one at a time. After a trap
 * or an interrupt the instance is closed (its memory may be inconsistent) and later calls fail with
 * {@link GuestCallException.Kind#CLOSED} naming why.
 */
@ProviderType
public interface WapcInstance extends AutoCloseable {

    /**
     * Calls the guest's {@code __guest_call} with an operation and payload.
     *
     * @return the guest's response bytes
     * @throws GuestCallException when the guest answers with an error, traps, breaks the ABI, is
     *     interrupted, or the instance is closed; the message names module, instance, operation and cause
     */
    byte[] invoke(String operation, byte[] payload);

    /**
     * Calls an exported function without parameters or results, such as a lifecycle hook, as a call from
     * the host: the guest may log and call the host inside it. Failures close the instance as for
     * {@link #invoke} (a trap, an interrupt).
     *
     * @return false when the module does not export a function of that name and type {@code () -> ()}
     * @throws GuestCallException when the function traps, is interrupted or the instance is closed
     */
    boolean callExport(String exportName);

    ModuleDescriptor module();

    String label();

    /** Pages of memory 0 now in use. */
    int memoryPages();

    boolean isClosed();

    /** Lines of guest output (console and log) dropped so far because the instance wrote too fast. */
    default long droppedOutputLines() {
        return 0;
    }

    /** Frees the instance. Idempotent. */
    @Override
    void close();
}
