/** The state-store SPI: where actors' key-value state is kept durably. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.kelpie.api.state;
