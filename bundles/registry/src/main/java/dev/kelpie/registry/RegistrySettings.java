package dev.kelpie.registry;

import dev.kelpie.api.module.ExecutionMode;

/**
 * Settings of a {@link ChicoryModuleRegistry}.
 *
 * @param maxModuleBytes size cap for one module
 * @param executionMode compiled (default) or interpreted
 * @param maxTableEntries the largest table minimum a module may declare, and the largest maximum of a table
 *     its code grows with {@code table.grow}
 */
public record RegistrySettings(long maxModuleBytes, ExecutionMode executionMode, int maxTableEntries) {
    /** 100 MiB, Kelpie's default module size cap. */
    public static final long DEFAULT_MAX_MODULE_BYTES = 100L * 1024 * 1024;

    /**
     * 100,000 entries (about 1.2 MB per instance in Chicory), Kelpie's default table cap; the committed
     * guests declare 9 to 37.
     */
    public static final int DEFAULT_MAX_TABLE_ENTRIES = 100_000;

    public static final RegistrySettings DEFAULTS =
            new RegistrySettings(DEFAULT_MAX_MODULE_BYTES, ExecutionMode.COMPILED, DEFAULT_MAX_TABLE_ENTRIES);

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
        if (maxTableEntries < 0) {
            throw new IllegalArgumentException("maxTableEntries must not be negative, was " + maxTableEntries);
        }
    }

    /** Settings with the default table cap. */
    public RegistrySettings(long maxModuleBytes, ExecutionMode executionMode) {
        this(maxModuleBytes, executionMode, DEFAULT_MAX_TABLE_ENTRIES);
    }

    public RegistrySettings withMaxModuleBytes(long bytes) {
        return new RegistrySettings(bytes, executionMode, maxTableEntries);
    }

    public RegistrySettings withExecutionMode(ExecutionMode mode) {
        return new RegistrySettings(maxModuleBytes, mode, maxTableEntries);
    }

    public RegistrySettings withMaxTableEntries(int entries) {
        return new RegistrySettings(maxModuleBytes, executionMode, entries);
    }
}
