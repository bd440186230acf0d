package dev.kelpie.wapc;

/**
 * Settings of a {@link ChicoryWapcHost}.
 *
 * @param defaultMaxMemoryPages cap on memory 0 of every instance, in 64 KiB pages, unless the instance's
 *     options set their own
 * @param defaultMaxPayloadBytes cap on any one buffer a guest hands the host (response, error, host-call
 *     payload, console line), unless the instance's options set their own
 * @param outputLinesPerSecond lines of output (console and log host functions) an instance may write per
 *     second, with a burst of {@value #OUTPUT_BURST_SECONDS} seconds' worth; 0 for no limit
 * @param outputBytesPerSecond bytes of output an instance may write per second, with the same burst; 0 for
 *     no limit
 * @param maxTableEntries cap on the entries of all tables of one instance, declared or grown
 *     ({@code table.grow} returns -1 past it)
 * @param memoryImages whether instances of a module whose initialisation is deterministic are restored from
 *     an image of an initialised instance instead of running init again
 * @param instancePoolSize how many closed instances of one module (per guest adapter and memory cap) are kept,
 *     scrubbed back to the module's memory image, for later instances to reuse instead of building one; 0
 *     turns recycling off. Only with memory images, and only for guests whose adapter binds no imports of
 *     its own and drives them through {@code __guest_call}
 * @param instancePoolBytes bound on the memory all pooled instances of this host hold together (the blocks of
 *     linear memory they own); an instance that would pass it is dropped instead of pooled
 */
public record WapcSettings(int defaultMaxMemoryPages, int defaultMaxPayloadBytes, int outputLinesPerSecond,
        int outputBytesPerSecond, int maxTableEntries, boolean memoryImages, int instancePoolSize,
        long instancePoolBytes) {
    /** 256 MiB: Kelpie's default guest memory cap. */
    public static final int DEFAULT_MAX_MEMORY_PAGES = 4096;
    /** 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
    public static final int DEFAULT_OUTPUT_LINES_PER_SECOND = 100;
    /** 64 KiB. */
    public static final int DEFAULT_OUTPUT_BYTES_PER_SECOND = 64 * 1024;
    /** The output buckets hold this many seconds of their rate. */
    public static final int OUTPUT_BURST_SECONDS = 2;
    /** About 1 MiB of heap per instance (a table entry costs the host 8 bytes or more). */
    public static final int DEFAULT_MAX_TABLE_ENTRIES = 100_000;
    /** Scrubbed instances kept per module (and adapter and memory cap) for reuse. */
    public static final int DEFAULT_INSTANCE_POOL_SIZE = 256;
    /** 64 MiB for all pools of a host together. */
    public static final long DEFAULT_INSTANCE_POOL_BYTES = 64L * 1024 * 1024;
    /** Upper bound of {@link #instancePoolSize()}. */
    public static final int MAX_INSTANCE_POOL_SIZE = 65536;

    public static final WapcSettings DEFAULTS = new WapcSettings(DEFAULT_MAX_MEMORY_PAGES);

    public WapcSettings {
        if (defaultMaxMemoryPages < 1 || defaultMaxMemoryPages > 65536) {
            throw new IllegalArgumentException("defaultMaxMemoryPages must be 1..65536, was " + defaultMaxMemoryPages);
        }
        if (defaultMaxPayloadBytes < 0) {
            throw new IllegalArgumentException("defaultMaxPayloadBytes must be 0 or more, was " + defaultMaxPayloadBytes);
        }
        if (outputLinesPerSecond < 0 || outputBytesPerSecond < 0) {
            throw new IllegalArgumentException("output rates must be 0 (no limit) or more, were " + outputLinesPerSecond
                    + " lines/s and " + outputBytesPerSecond + " bytes/s");
        }
        if (maxTableEntries < 0) {
            throw new IllegalArgumentException("maxTableEntries must be 0 or more, was " + maxTableEntries);
        }
        if (instancePoolSize < 0 || instancePoolSize > MAX_INSTANCE_POOL_SIZE) {
            throw new IllegalArgumentException("instancePoolSize must be 0 (off) to " + MAX_INSTANCE_POOL_SIZE + ", was "
                    + instancePoolSize);
        }
        if (instancePoolBytes < 0) {
            throw new IllegalArgumentException("instancePoolBytes must be 0 (off) or more, was " + instancePoolBytes);
        }
    }

    /** The settings with the default bound on the pools' memory. */
    public WapcSettings(int defaultMaxMemoryPages, int defaultMaxPayloadBytes, int outputLinesPerSecond,
            int outputBytesPerSecond, int maxTableEntries, boolean memoryImages, int instancePoolSize) {
        this(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond, outputBytesPerSecond, maxTableEntries,
                memoryImages, instancePoolSize, DEFAULT_INSTANCE_POOL_BYTES);
    }

    /** The settings with the default instance pool. */
    public WapcSettings(int defaultMaxMemoryPages, int defaultMaxPayloadBytes, int outputLinesPerSecond,
            int outputBytesPerSecond, int maxTableEntries, boolean memoryImages) {
        this(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond, outputBytesPerSecond, maxTableEntries,
                memoryImages, DEFAULT_INSTANCE_POOL_SIZE);
    }

    /** The settings with memory images on. */
    public WapcSettings(int defaultMaxMemoryPages, int defaultMaxPayloadBytes, int outputLinesPerSecond,
            int outputBytesPerSecond, int maxTableEntries) {
        this(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond, outputBytesPerSecond, maxTableEntries,
                true);
    }

    /** The defaults with another memory cap. */
    public WapcSettings(int defaultMaxMemoryPages) {
        this(defaultMaxMemoryPages, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_OUTPUT_LINES_PER_SECOND,
                DEFAULT_OUTPUT_BYTES_PER_SECOND, DEFAULT_MAX_TABLE_ENTRIES);
    }

    public WapcSettings withMaxPayloadBytes(int bytes) {
        return new WapcSettings(defaultMaxMemoryPages, bytes, outputLinesPerSecond, outputBytesPerSecond, maxTableEntries,
                memoryImages, instancePoolSize, instancePoolBytes);
    }

    public WapcSettings withOutputRate(int linesPerSecond, int bytesPerSecond) {
        return new WapcSettings(defaultMaxMemoryPages, defaultMaxPayloadBytes, linesPerSecond, bytesPerSecond,
                maxTableEntries, memoryImages, instancePoolSize, instancePoolBytes);
    }

    public WapcSettings withMaxTableEntries(int entries) {
        return new WapcSettings(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond,
                outputBytesPerSecond, entries, memoryImages, instancePoolSize, instancePoolBytes);
    }

    /** Memory images on or off (off: every instance runs its module's init). */
    public WapcSettings withMemoryImages(boolean on) {
        return new WapcSettings(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond,
                outputBytesPerSecond, maxTableEntries, on, instancePoolSize, instancePoolBytes);
    }

    /** Another instance pool size per module (0: no recycling). */
    public WapcSettings withInstancePoolSize(int size) {
        return new WapcSettings(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond,
                outputBytesPerSecond, maxTableEntries, memoryImages, size, instancePoolBytes);
    }

    /** Another bound on the memory all pooled instances hold together (0: nothing is pooled). */
    public WapcSettings withInstancePoolBytes(long bytes) {
        return new WapcSettings(defaultMaxMemoryPages, defaultMaxPayloadBytes, outputLinesPerSecond,
                outputBytesPerSecond, maxTableEntries, memoryImages, instancePoolSize, bytes);
    }
}
