package dev.kelpie.api.module;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A parsed, validated and (unless interpreted) compiled module, ready to instantiate many times. This
 * view carries no engine types; the guest-adapter SPI ({@code dev.kelpie.api.wasm.ChicoryModule}) adds
 * Chicory's parsed module and machine factory for the bundles that need them.
 */
@ProviderType
public interface CompiledModule {
    ModuleDescriptor descriptor();
}
