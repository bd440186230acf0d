package dev.kelpie.api.wasm;

import com.dylibso.chicory.runtime.ImportFunction;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/** What an adapter supplies to one instance. Closed with the instance. */
@ConsumerType
public interface GuestBinding extends AutoCloseable {
    /** Host functions for the module's non-waPC imports. */
    List<ImportFunction> imports();

    @Override
    default void close() {}
}
