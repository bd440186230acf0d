package dev.kelpie.wapc;

/**
 * Settings of a {@link ChicoryWapcHost}.
 *
 * @param defaultMaxMemoryPages cap on memory 0 of every instance, in 64 KiB pages, unless the instance's
 *     options set their own
 */
public record WapcSettings(int defaultMaxMemoryPages) {
    /** 256 MiB: Kelpie's default guest memory cap. */
    public static final int DEFAULT_MAX_MEMORY_PAGES = 4096;

    public static final WapcSettings DEFAULTS = new WapcSettings(DEFAULT_MAX_MEMORY_PAGES);

    public WapcSettings {
        if (defaultMaxMemoryPages < 1 || defaultMaxMemoryPages > 65536) {
            throw new IllegalArgumentException("defaultMaxMemoryPages must be 1..65536, was " + defaultMaxMemoryPages);
        }
    }
}
