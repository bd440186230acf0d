package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableFactory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import dev.kelpie.api.wapc.ModuleInstantiationException;

/**
 * Caps the entries of all tables of one instance. Chicory's {@code table.grow} honours only the table's
 * own maximum, which a module may leave out (about 4 billion entries, each costing the host heap); here
 * a declared size over the cap fails instantiation before Chicory allocates the table, and a
 * {@code table.grow} past it returns -1, as the WebAssembly spec allows.
 */
final class TableAllowance implements TableFactory {
    private final String moduleLabel;
    private final String instanceLabel;
    private final long maxEntries;
    private long entries; // guarded by this

    TableAllowance(String moduleLabel, String instanceLabel, int maxEntries) {
        this.moduleLabel = moduleLabel;
        this.instanceLabel = instanceLabel;
        this.maxEntries = maxEntries;
    }

    @Override
    public TableInstance create(Table table, int initialRef) {
        long declared = table.limits().min();
        synchronized (this) {
            if (entries + declared > maxEntries) {
                throw new ModuleInstantiationException(moduleLabel, "instance '" + instanceLabel + "': its tables declare "
                        + (entries + declared) + " entries, over the cap of " + maxEntries + " entries per instance");
            }
            entries += declared;
        }
        return new Bounded(ownCopy(table), initialRef);
    }

    /**
     * A table of its own for this instance: Chicory 1.7.5's {@code table.grow} grows the limits object it
     * is given, which belongs to the parsed module that every instance shares, so without a copy one
     * instance's growth would become the next instance's declared size (and concurrent instances race).
     */
    private static Table ownCopy(Table table) {
        TableLimits l = table.limits();
        return new Table(table.elementType(), new TableLimits(l.min(), l.max(), l.shared()), table.initialize());
    }

    synchronized long entries() {
        return entries;
    }

    private synchronized boolean take(int more) {
        if (entries + more > maxEntries) {
            return false;
        }
        entries += more;
        return true;
    }

    private synchronized void giveBack(int more) {
        entries -= more;
    }

    /** A table whose growth draws on the allowance. */
    private final class Bounded extends TableInstance {
        Bounded(Table table, int initialRef) {
            super(table, initialRef);
        }

        @Override
        public int grow(int more, int ref, Instance instance) {
            if (more <= 0) {
                return super.grow(more, ref, instance); // nothing to take: grows by nothing or fails
            }
            if (!take(more)) {
                return -1;
            }
            int previous = super.grow(more, ref, instance);
            if (previous < 0) {
                giveBack(more);
            }
            return previous;
        }
    }
}
