/**
 * The Chicory-facing SPI: compiled modules and guest-language adapters. Types here use Chicory's own
 * (exported once by the {@code dev.kelpie.chicory} bundle).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.kelpie.api.wasm;
