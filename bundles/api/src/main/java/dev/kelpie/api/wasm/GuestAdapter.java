package dev.kelpie.api.wasm;

import dev.kelpie.api.module.ModuleDescriptor;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Supplies what one guest toolchain expects beyond waPC: AssemblyScript's {@code env.abort}, WASI for
 * Rust/C/TinyGo, Emscripten glue for MicroPython. Register one as a service per language; the waPC host
 * picks the adapter that recognises a module best when it instantiates it.
 */
@ConsumerType
public interface GuestAdapter {
    /** Service property with the adapter's language, for listings. */
    String LANGUAGE = "kelpie.guest.language";

    /** The language this adapter serves, such as {@code assemblyscript}. */
    String language();

    /**
     * How well this adapter fits a module: 0 when it does not, higher when it fits better (an adapter
     * that recognises a toolchain's signature imports should answer more than one that only offers WASI).
     */
    int recognise(ModuleDescriptor module);

    /**
     * The imports this adapter supplies, for listings and for the error that names a module's unprovided
     * imports: {@code module.name} ({@code env.abort}), or {@code module.*} for a whole import module
     * ({@code wasi_snapshot_preview1.*}). Empty by default.
     */
    default List<String> supplies() {
        return List.of();
    }

    /** Binds the adapter to one new instance: the imports it supplies, with per-instance state. */
    GuestBinding bind(GuestContext context);
}
