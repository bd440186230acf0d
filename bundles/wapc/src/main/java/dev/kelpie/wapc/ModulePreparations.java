package dev.kelpie.wapc;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.wasm.GuestAdapter;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the host prepares once per compiled module and reuses for every instance: the link plan and the
 * memory images, per guest adapter (and, for images, per memory cap). Keyed by the compiled module's
 * identity and held weakly: when the registry drops a module (uninstall, hot swap), its preparations go
 * with it, and nothing here refers to the module itself (the pooled instances of an {@link ImageSlot} hold its
 * parsed form and compiled code, and go with it too: no instance of a replaced module serves its successor).
 */
final class ModulePreparations {
    private final Map<Key, Prepared> modules = new ConcurrentHashMap<>();
    private final ReferenceQueue<ChicoryModule> dropped = new ReferenceQueue<>();
    private final int poolSize;
    private final InstancePool.Bytes poolBytes;

    /**
     * @param poolSize the capacity of each image slot's instance pool
     * @param poolBytes the bytes all pools hold together at most
     */
    ModulePreparations(int poolSize, long poolBytes) {
        this.poolSize = poolSize;
        this.poolBytes = new InstancePool.Bytes(poolBytes);
    }

    /** What all pooled instances hold now; for tests. */
    long pooledBytes() {
        expunge();
        return poolBytes.held();
    }

    /** The preparations of one module, created empty on first use. */
    Prepared of(ChicoryModule module) {
        expunge();
        Prepared p = modules.get(new Key(module, null));
        if (p != null) {
            return p;
        }
        return modules.computeIfAbsent(new Key(module, dropped), k -> new Prepared(module.descriptor(), poolSize, poolBytes));
    }

    /** Forgets everything prepared for an adapter that went away (its plans and images name its functions). */
    void forget(GuestAdapter adapter) {
        modules.values().forEach(p -> p.forget(adapter));
    }

    /**
     * The image status of a module for listings: {@code yes}, {@code no (why)}, or {@code -} before its
     * first instance (or when the host has none of its preparations).
     */
    String imageStatus(ModuleDescriptor module) {
        expunge();
        String status = "-";
        for (Prepared p : modules.values()) {
            if (p.descriptor().equals(module)) {
                String s = p.imageStatus();
                if (!s.equals("-")) {
                    status = s;
                }
            }
        }
        return status;
    }

    /** The instance pools of a module, one per adapter and memory cap used so far; for tests. */
    java.util.List<InstancePool> pools(ChicoryModule module) {
        Prepared p = modules.get(new Key(module, null));
        java.util.List<InstancePool> out = new java.util.ArrayList<>();
        if (p != null) {
            p.adapters.values().forEach(a -> a.slots.values().forEach(s -> out.add(s.pool())));
        }
        return out;
    }

    /** Modules with preparations (for tests: dropped modules leave). */
    int size() {
        expunge();
        return modules.size();
    }

    /**
     * Forgets the preparations of modules the garbage collector has taken, draining their instance pools (a
     * pooled instance holds its module's compiled code and class loader). Runs on every lookup, and
     * periodically once anything is pooled, so an uninstalled module's code goes even when no instance is
     * created afterwards.
     */
    void expunge() {
        for (Reference<? extends ChicoryModule> r; (r = dropped.poll()) != null; ) {
            Prepared gone = modules.remove(r);
            if (gone != null) {
                gone.drain();
            }
        }
    }

    /** A compiled module by identity, weakly. A lookup key (no queue) is equal to the stored one while its module lives. */
    private static final class Key extends WeakReference<ChicoryModule> {
        private final int hash;

        Key(ChicoryModule module, ReferenceQueue<ChicoryModule> queue) {
            super(module, queue);
            this.hash = System.identityHashCode(module);
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Key)) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == ((Key) o).get();
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** One module's link plans and memory images, per adapter. */
    static final class Prepared {
        private final ModuleDescriptor descriptor;
        private final Map<Object, PerAdapter> adapters = new ConcurrentHashMap<>();
        private volatile String lastImageStatus = "-";
        private final int poolSize;
        private final InstancePool.Bytes poolBytes;

        Prepared(ModuleDescriptor descriptor, int poolSize, InstancePool.Bytes poolBytes) {
            this.descriptor = descriptor;
            this.poolSize = poolSize;
            this.poolBytes = poolBytes;
        }

        /** Drops the pooled instances of every adapter. */
        void drain() {
            adapters.values().forEach(PerAdapter::drain);
        }

        ModuleDescriptor descriptor() {
            return descriptor;
        }

        PerAdapter adapter(GuestAdapter adapter) {
            return adapters.computeIfAbsent(adapter == null ? NO_ADAPTER : adapter, a -> new PerAdapter(poolSize, poolBytes));
        }

        void forget(GuestAdapter adapter) {
            PerAdapter gone = adapters.remove(adapter);
            if (gone != null) {
                gone.drain();
            }
        }

        String imageStatus() {
            return lastImageStatus;
        }

        void imageDecided(String status) {
            lastImageStatus = status;
        }
    }

    private static final Object NO_ADAPTER = new Object();

    /** For one module and one adapter: the link plan, and an image slot per memory cap. */
    static final class PerAdapter {
        volatile LinkPlan plan;
        private final Map<Integer, ImageSlot> slots = new ConcurrentHashMap<>();
        private final int poolSize;
        private final InstancePool.Bytes poolBytes;

        PerAdapter(int poolSize, InstancePool.Bytes poolBytes) {
            this.poolSize = poolSize;
            this.poolBytes = poolBytes;
        }

        ImageSlot slot(int maxPages) {
            return slots.computeIfAbsent(maxPages, m -> new ImageSlot(poolSize, poolBytes));
        }

        void drain() {
            slots.values().forEach(s -> s.pool().drain());
        }
    }
}
