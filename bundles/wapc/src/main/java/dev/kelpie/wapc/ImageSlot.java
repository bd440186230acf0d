package dev.kelpie.wapc;

/**
 * The memory image of one module for one adapter and memory cap: unknown until an instance has been
 * initialised normally, then either the image or why there is none. Decided once; the first decision wins
 * when instances initialise concurrently.
 */
final class ImageSlot {
    private volatile MemoryImage image;
    private volatile String refused;
    /** Closed instances scrubbed back to the image, for reuse (capacity 0: none are kept). */
    private final InstancePool pool;

    ImageSlot(int poolSize, InstancePool.Bytes poolBytes) {
        this.pool = new InstancePool(poolSize, poolBytes);
    }

    InstancePool pool() {
        return pool;
    }

    /** The image to restore from, or null (not taken yet, or refused). */
    MemoryImage image() {
        return image;
    }

    /** Whether the next normal initialisation should try to take an image. */
    boolean undecided() {
        return image == null && refused == null;
    }

    /** Why this module is not imaged, or null. */
    String refused() {
        return refused;
    }

    synchronized void offer(MemoryImage taken) {
        if (undecided()) {
            image = taken;
        }
    }

    synchronized void refuse(String why) {
        if (undecided()) {
            refused = why;
        }
    }

    /** {@code yes}, {@code no (why)} or {@code -} (undecided), for listings. */
    String status() {
        MemoryImage i = image;
        if (i != null) {
            return "yes";
        }
        String why = refused;
        return why == null ? "-" : "no (" + why + ")";
    }
}
