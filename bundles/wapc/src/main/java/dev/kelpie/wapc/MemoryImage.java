package dev.kelpie.wapc;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The state of an instance right after its initialisation ({@code _start}, {@code _initialize},
 * {@code wapc_init}): its memory's blocks (those not all zero), its mutable globals, and its
 * tables when init changed them. A new instance of the same compiled module built without the module's
 * data segments and without running init, then {@link #restore restored}, is in the same state as one
 * initialised normally. Immutable: one image serves any number of instances, which share its blocks copy-on-write.
 *
 * <p>Taking an image is two steps on the instance being initialised normally: {@link Before#of} right
 * after Chicory built it, and {@link Before#capture} after init.
 */
final class MemoryImage {
    private final int pages;
    /**
     * The memory after init in {@link PagedMemory#BLOCK}-byte blocks, null where all zero. Shared by every
     * restored instance's {@link PagedMemory} until it writes a block (then it copies it), so never written.
     */
    private final byte[][] content;
    private final int[] globalIndexes;
    private final long[] globalLows;
    private final long[] globalHighs;
    /** Per table: its entries after init (a restored instance sets those that differ from the elements). */
    private final int[][] tables;
    private final DataSegment[] restoredSegments;
    /** The module's start function, or -1. */
    private final int startFunction;

    private MemoryImage(int startFunction, int pages, byte[][] content, int[] globalIndexes, long[] globalLows, long[] globalHighs, int[][] tables, DataSegment[] restoredSegments) {
        this.startFunction = startFunction;
        this.pages = pages;
        this.content = content;
        this.globalIndexes = globalIndexes;
        this.globalLows = globalLows;
        this.globalHighs = globalHighs;
        this.tables = tables;
        this.restoredSegments = restoredSegments;
    }

    /**
     * The machine factory to build restored instances with: the compiled module's, whose machines skip the
     * module's start function when Chicory's initialisation calls it (its effects are in the image).
     */
    Function<Instance, Machine> machineFactory(Function<Instance, Machine> compiled) {
        int start = startFunction;
        return start < 0 ? compiled : instance -> new StartSkipping(compiled.apply(instance), start);
    }

    /**
     * A machine whose first call, when it is the start function (Chicory's initialisation calls it before
     * anything else), does nothing. Every other call goes to the module's machine.
     */
    private static final class StartSkipping implements Machine {
        private static final long[] NONE = new long[0];
        private final Machine machine;
        private final int start;
        private boolean first = true;

        StartSkipping(Machine machine, int start) {
            this.machine = machine;
            this.start = start;
        }

        @Override
        public long[] call(int function, long[] args) {
            if (first) {
                first = false;
                if (function == start) {
                    return NONE;
                }
            }
            return machine.call(function, args);
        }
    }

    /** Pages of memory the initialised instance has (its initial pages plus what init grew). */
    int pages() {
        return pages;
    }

    /** Bytes of memory the image holds (its blocks that are not all zero). */
    int storedBytes() {
        int n = 0;
        for (byte[] page : content) {
            n += page == null ? 0 : page.length;
        }
        return n;
    }

    /**
     * The data segments a restored instance's memory installs instead of the module's: the active ones
     * dropped (empty), as they are after any instantiation. Only modules without passive segments are imaged.
     */
    DataSegment[] restoredSegments() {
        return restoredSegments;
    }

    /**
     * Why a module cannot be imaged whatever its init does, or null when it can: passive data segments
     * could be dropped by init, state the image does not hold.
     */
    static String unimageable(WasmModule module) {
        DataSegment[] segments = module.dataSection() == null ? new DataSegment[0] : module.dataSection().dataSegments();
        for (DataSegment s : segments) {
            if (s instanceof PassiveDataSegment) {
                return "the module has passive data segments";
            }
        }
        return null;
    }

    /**
     * Copies the image into an instance built from the same module with {@link #restoredSegments()} and a
     * {@link PagedMemory}: grows its memory to the image's pages (through the instance's memory, so a budget
     * is charged as growth by init would be), shares the image's blocks with it (copied on its first write to
     * each), sets the mutable globals and the tables init changed.
     *
     * @throws ModuleInstantiationException when the memory or a table cannot grow to the image's size
     */
    void restore(Instance instance, String moduleLabel, String instanceLabel) {
        Memory memory = instance.memory();
        int more = pages - memory.pages();
        if (more > 0 && memory.grow(more) < 0) {
            throw refused(moduleLabel, instanceLabel);
        }
        ((PagedMemory) memory).share(content);
        putGlobals(instance);
        for (int t = 0; t < tables.length; t++) {
            int[] refs = tables[t];
            TableInstance table = instance.table(t);
            int grow = refs.length - table.size();
            if (grow > 0 && table.grow(grow, refs[refs.length - 1], instance) < 0) {
                throw new ModuleInstantiationException(moduleLabel, "instance '" + instanceLabel + "' needs "
                        + refs.length + " entries in table " + t + " for its initialised state and the table cap refuses them");
            }
            putEntries(instance, refs, table);
        }
    }

    /** Sets the instance's mutable globals to the image's values. */
    private void putGlobals(Instance instance) {
        for (int i = 0; i < globalIndexes.length; i++) {
            GlobalInstance g = instance.global(globalIndexes[i]);
            g.setValueLow(globalLows[i]);
            g.setValueHigh(globalHighs[i]);
        }
    }

    /** Sets a table's first entries to the image's (only those that differ). */
    private static void putEntries(Instance instance, int[] refs, TableInstance table) {
        for (int i = 0; i < refs.length; i++) {
            if (table.ref(i) != refs[i]) {
                table.setRef(i, refs[i], instance);
            }
        }
    }

    /**
     * Puts a closed instance of this image's module (restored from it, or the one it was taken from) back
     * into the image's state for reuse: memory ({@link PagedMemory#scrub}), mutable globals, table entries
     * and element segments. Only for an instance whose last call returned normally (no guest code running).
     *
     * @return false, leaving the instance unusable, when its state cannot be put back (a table grew past
     *     the image's size: Chicory's tables do not shrink)
     */
    boolean scrub(Instance instance) {
        for (int t = 0; t < tables.length; t++) {
            if (instance.table(t).size() != tables[t].length) {
                return false;
            }
        }
        ((PagedMemory) instance.memory()).scrub(content, pages);
        putGlobals(instance);
        for (int t = 0; t < tables.length; t++) {
            int[] refs = tables[t];
            TableInstance table = instance.table(t);
            putEntries(instance, refs, table); // a table holds only this instance's functions (it imports none)
        }
        var elements = instance.module().elementSection();
        if (elements != null) {
            var original = elements.elements();
            for (int i = 0; i < original.length; i++) {
                if (instance.element(i) != original[i]) {
                    instance.setElement(i, original[i]); // undoes elem.drop
                }
            }
        }
        return true;
    }

    /** The failure of an instance whose memory cap or budget refuses the image's pages. */
    ModuleInstantiationException refused(String moduleLabel, String instanceLabel) {
        return new ModuleInstantiationException(moduleLabel, "instance '" + instanceLabel + "' needs " + pages
                + " pages of memory for its initialised state and the memory cap or the shared memory budget"
                + " refuses them");
    }

    /** What an instance looked like when Chicory had built it, before init ran. */
    static final class Before {
        private final Object[] elements;

        private Before(Object[] elements) {
            this.elements = elements;
        }

        /**
         * The element segments as the module has them (a start section may already have run when Chicory
         * hands out the instance).
         */
        static Before of(Instance instance) {
            return new Before(instance.module().elementSection() == null ? new Object[0]
                    : instance.module().elementSection().elements().clone());
        }

        /**
         * The image of the instance after init.
         *
         * @throws IllegalStateException naming why this instance's state cannot be imaged (a table entry
         *     of another instance, an element segment init dropped)
         */
        MemoryImage capture(Instance instance) {
            for (int i = 0; i < elements.length; i++) {
                if (instance.element(i) != elements[i]) {
                    throw new IllegalStateException("init dropped element segment " + i);
                }
            }
            int[][] after = tableRefs(instance);
            for (int t = 0; t < after.length; t++) {
                TableInstance table = instance.table(t);
                for (int i = 0; i < table.size(); i++) {
                    Instance owner = table.instance(i);
                    if (owner != null && owner != instance) {
                        throw new IllegalStateException("table " + t + " holds a function of another instance");
                    }
                }
            }
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < instance.globalCount(); i++) {
                if (instance.global(i).getMutabilityType() == MutabilityType.Var) {
                    indexes.add(i);
                }
            }
            int[] globalIndexes = indexes.stream().mapToInt(Integer::intValue).toArray();
            long[] lows = new long[globalIndexes.length];
            long[] highs = new long[globalIndexes.length];
            for (int i = 0; i < globalIndexes.length; i++) {
                GlobalInstance g = instance.global(globalIndexes[i]);
                lows[i] = g.getValueLow();
                highs[i] = g.getValueHigh();
            }
            DataSegment[] segments = instance.module().dataSection() == null ? new DataSegment[0]
                    : new DataSegment[instance.module().dataSection().dataSegmentCount()];
            Arrays.fill(segments, PassiveDataSegment.EMPTY);
            int start = instance.module().startSection().map(x -> (int) x.startIndex()).orElse(-1);
            return of(start, instance.memory(), globalIndexes, lows, highs, after, segments);
        }

        private static int[][] tableRefs(Instance instance) {
            int[][] refs = new int[instance.tableCount()][];
            for (int t = 0; t < refs.length; t++) {
                TableInstance table = instance.table(t);
                refs[t] = new int[table.size()];
                for (int i = 0; i < refs[t].length; i++) {
                    refs[t][i] = table.ref(i);
                }
            }
            return refs;
        }

        private static MemoryImage of(int start, Memory memory, int[] globalIndexes, long[] lows, long[] highs, int[][] tables,
                DataSegment[] segments) {
            int pages = memory.pages();
            byte[][] content = new byte[pages * (Memory.PAGE_SIZE / PagedMemory.BLOCK)][];
            for (int i = 0; i < content.length; i++) {
                byte[] block = memory.readBytes(i * PagedMemory.BLOCK, PagedMemory.BLOCK); // a copy: the image's own
                content[i] = allZero(block) ? null : block;
            }
            return new MemoryImage(start, pages, content, globalIndexes, lows, highs, tables, segments);
        }

        private static boolean allZero(byte[] block) {
            for (byte b : block) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
