/**
 * The guest-adapter SPI, the only API package that uses Chicory's types (exported once by the
 * {@code dev.kelpie.chicory} bundle): the Chicory view of compiled modules and guest-language adapters.
 * Host-function bundles and clients never need it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package dev.kelpie.api.wasm;
