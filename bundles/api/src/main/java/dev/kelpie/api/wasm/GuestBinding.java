package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.ImportFunction;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/** What an adapter supplies to one instance. Closed with the instance. */
@ConsumerType
public interface GuestBinding extends AutoCloseable {
    /** Host functions for the module's non-waPC imports. */
    List<ImportFunction> imports();

    /**
     * How the host drives the guest when it does not export {@code __guest_call}: empty (the default) for
     * waPC guests, which the host calls through that export on the caller's thread.
     */
    default Optional<GuestEntry> entry() {
        return Optional.empty();
    }

    @Override
    default void close() {}
}
