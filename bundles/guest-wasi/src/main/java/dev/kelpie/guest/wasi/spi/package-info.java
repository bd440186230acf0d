/**
 * WASI preview 1 for guest adapters: {@link dev.kelpie.guest.wasi.spi.WasiImports} binds the WASI
 * imports ({@code wasi_snapshot_preview1} and {@code wasi_unstable}) to one instance, so a
 * language adapter (TinyGo, Go, …) can offer WASI together with its own imports. The waPC host picks
 * one adapter per module, so such an adapter composes these imports rather than relying on the WASI
 * adapter.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.kelpie.guest.wasi.spi;
