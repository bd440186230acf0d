package dev.kelpie.registry;

import dev.kelpie.api.module.ExecutionMode;

/**
 * Settings of a {@link ChicoryModuleRegistry}.
 *
 * @param maxModuleBytes size cap for one module
 * @param executionMode compiled (default) or interpreted
 */
public record RegistrySettings(long maxModuleBytes, ExecutionMode executionMode) {
    /** 100 MiB, Kelpie's default module size cap. */
    public static final long DEFAULT_MAX_MODULE_BYTES = 100L * 1024 * 1024;

    public static final RegistrySettings DEFAULTS =
            new RegistrySettings(DEFAULT_MAX_MODULE_BYTES, ExecutionMode.COMPILED);

    public RegistrySettings {
        if (maxModuleBytes <= 0) {
            throw new IllegalArgumentException("maxModuleBytes must be positive, was " + maxModuleBytes);
        }
        if (maxModuleBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxModuleBytes must fit a Java array, was " + maxModuleBytes);
        }
        if (executionMode == null) {
            throw new IllegalArgumentException("executionMode is required");
        }
    }

    public RegistrySettings withMaxModuleBytes(long bytes) {
        return new RegistrySettings(bytes, executionMode);
    }

    public RegistrySettings withExecutionMode(ExecutionMode mode) {
        return new RegistrySettings(maxModuleBytes, mode);
    }
}
