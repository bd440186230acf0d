package dev.kelpie.registry;

import dev.kelpie.api.module.ExecutionMode;

/**
 * Settings of a {@link ChicoryModuleRegistry}.
 *
 * @param maxModuleBytes size cap for one module
 * @param executionMode compiled (default) or interpreted
 * @param maxTableEntries the largest table minimum a module may declare, in entries
 */
public record RegistrySettings(long maxModuleBytes, ExecutionMode executionMode, int maxTableEntries) {
    /** 100 MiB, Kelpie's default module size cap. */
    public static final long DEFAULT_MAX_MODULE_BYTES = 100L * 1024 * 1024;

    /**
     * 10,000,000 entries: Chicory's own ceiling ({@code TableLimits.LIMIT_MAX}), above which it silently
     * clamps a declared table to that size instead of refusing it. What one instance may allocate is the
     * waPC host's per-instance table cap (dev.kelpie.wapc {@code max_table_entries}, 100,000 by default);
     * set this lower to refuse such modules at install rather than at each instantiation. The committed
     * guests declare 1 to 37 entries, the {@code big-table} test guest 1,000,000.
     */
    public static final int DEFAULT_MAX_TABLE_ENTRIES = 10_000_000;

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
