package dev.kelpie.wapc;

import static com.dylibso.chicory.runtime.ConstantEvaluators.computeConstantValue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Every instance's linear memory: blocks ({@link #BLOCK} bytes) allocated on first write, a block table that grows with
 * {@code memory.grow} (not sized for the cap), blocks shared copy-on-write with a {@link MemoryImage}, and
 * growth drawn from a shared budget.
 *
 * <ul>
 *   <li><b>Two block tables.</b> {@code readable[i]} is block i for loads: the shared zero block, a block
 *       of an image, or the instance's own block. {@code writable[i]} is the instance's own block i, or null
 *       while block i is shared; a store to such a block first copies it ({@link #own}). Every store path
 *       (stores of every width, bulk write, fill, copy, data segments, atomics through {@link #lock}) takes
 *       its block from {@code writable}, so a shared block (the zero block, an image's) is never written.
 *       Both tables have null beyond the memory's end, so an access out of bounds fails on the table itself
 *       and costs the in-bounds path nothing, as in Chicory's {@code ByteArrayMemory}.</li>
 *   <li><b>No zeroing.</b> New pages (initial or grown) are the shared zero block until written: growing
 *       allocates nothing but the tables, and {@link #zero()} only resets them.</li>
 *   <li><b>Budget.</b> With a {@link MemoryAccount}, {@link #grow} first reserves the new pages' bytes
 *       (charged in full, whether or not they are ever written); a refused reservation makes
 *       {@code memory.grow} return -1, as at the cap. The initial pages are reserved by the host before the
 *       instance is built.</li>
 *   <li><b>Restored instances.</b> An instance restored from an image installs the image's data segments
 *       (active ones dropped) instead of the module's, then shares the image's blocks ({@link #share}).</li>
 *   <li><b>Recycled instances.</b> {@link #scrub} puts a closed instance's memory back to an image (its
 *       size, its content, its data segments) for an {@link InstancePool}; {@link #charge} binds it to the
 *       next instance's budget account.</li>
 * </ul>
 *
 * <p>Not for shared memories (the threads proposal): the host never builds one, and this memory keeps no
 * per-address wait state. Atomic operations are correct for the one thread that runs an instance at a time;
 * {@code memory.atomic.wait} traps as on any non-shared memory.
 */
final class PagedMemory implements Memory {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
    /** log2 of {@link #BLOCK}. */
    private static final int SHIFT = 16;
    /**
     * The unit of the tables and of copy-on-write: one wasm page (64 KiB). Smaller blocks (4 KiB was tried)
     * make an idle actor hold far less (it copies only the blocks it writes) but made activations of the
     * Rust testbed 4&times; more expensive in CPU time; see docs/BENCHMARKS.md.
     */
    static final int BLOCK = 1 << SHIFT;
    private static final int BLOCKS_PER_PAGE = PAGE_SIZE / BLOCK;
    private static final int MASK = BLOCK - 1;
    private static final byte[][] NO_BLOCKS = new byte[0][];
    /** The block every block is until written. Never written: stores go through {@link #writable}. */
    static final byte[] ZERO = new byte[BLOCK];

    private final MemoryLimits limits;
    private final int maximumPages;
    /** Guarded by this (read in {@link #grow}); changes only while the instance is pooled. */
    private MemoryAccount account;
    /** The data segments initialisation installs instead of the module's, or null for the module's. */
    private final DataSegment[] restoredSegments;
    private DataSegment[] segments;
    private byte[][] readable;
    private byte[][] writable;
    private volatile int pages;
    /** Growths the budget refused (the cap's refusals are not counted). */
    private volatile int refusedByBudget;

    /**
     * @param account the instance's share of a memory budget, or null for none
     * @param restoredSegments what initialisation installs instead of the module's data segments (the
     *     instance is restored from an image), or null
     * @throws IllegalArgumentException for a shared memory
     */
    PagedMemory(MemoryLimits limits, MemoryAccount account, DataSegment[] restoredSegments) {
        if (limits.shared()) {
            throw new IllegalArgumentException("shared memories (the threads proposal) are not supported");
        }
        this.limits = limits;
        this.maximumPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
        this.account = account;
        this.restoredSegments = restoredSegments;
        int initial = limits.initialPages();
        if (initial > maximumPages) {
            throw new IllegalArgumentException("initial memory of " + initial + " pages exceeds its maximum of "
                    + maximumPages + " pages");
        }
        this.readable = initial == 0 ? NO_BLOCKS : new byte[initial * BLOCKS_PER_PAGE][];
        this.writable = initial == 0 ? NO_BLOCKS : new byte[initial * BLOCKS_PER_PAGE][];
        Arrays.fill(readable, ZERO);
        this.pages = initial;
    }

    PagedMemory(MemoryLimits limits) {
        this(limits, null, null);
    }

    // ---- pages ----

    /** The instance's own block {@code index}, copying it from the shared block first; out of bounds past the memory. */
    private byte[] writableBlock(int index) {
        byte[] page = writable[index];
        return page != null ? page : own(index);
    }

    private byte[] own(int index) {
        if (index >= pages * BLOCKS_PER_PAGE) {
            throw new IndexOutOfBoundsException(index);
        }
        byte[] shared = readable[index];
        byte[] page = shared == ZERO ? new byte[BLOCK] : shared.clone();
        readable[index] = page;
        writable[index] = page;
        return page;
    }

    /**
     * Shares an image's blocks ({@link #BLOCK} bytes each): block i becomes {@code image[i]} (the zero block
     * where null) until written. The memory must already be at least as large. The arrays are never written
     * through this memory.
     */
    void share(byte[][] image) {
        if (image.length > pages * BLOCKS_PER_PAGE) {
            throw new IllegalStateException("an image of " + image.length + " blocks does not fit " + pages + " pages");
        }
        for (int i = 0; i < image.length; i++) {
            readable[i] = image[i] == null ? ZERO : image[i];
            writable[i] = null;
        }
    }

    /**
     * Puts the memory back to an image's state: {@code imagePages} pages (pages past them are gone), each
     * block the image's content, every data segment dropped (as in a restored instance), no budget account.
     * The blocks this memory owns within the image are kept and overwritten in full with the image's block
     * (or zeros), so the next instance writes them without copying; the others are shared with the image
     * again. Nothing written before can be read afterwards. (Sharing every block again instead, so that a
     * pooled instance holds no block of its own, made a Rust activate + passivate 1.3&times; and the activation
     * alone 2.6&times; more expensive in CPU time: docs/BENCHMARKS.md.)
     *
     * @param image the image's blocks, null where all zero
     * @throws IllegalStateException when the memory is smaller than the image (it cannot have shrunk)
     */
    synchronized void scrub(byte[][] image, int imagePages) {
        int blocks = imagePages * BLOCKS_PER_PAGE;
        if (image.length != blocks || pages < imagePages) {
            throw new IllegalStateException("a memory of " + pages + " pages cannot be scrubbed to an image of "
                    + imagePages + " pages");
        }
        int used = pages * BLOCKS_PER_PAGE;
        for (int i = 0; i < blocks; i++) {
            byte[] from = image[i];
            byte[] own = writable[i];
            if (own == null) {
                readable[i] = from == null ? ZERO : from;
            } else if (from == null) {
                Arrays.fill(own, (byte) 0);
            } else {
                System.arraycopy(from, 0, own, 0, BLOCK);
            }
        }
        if (readable.length > 2 * blocks) {
            readable = Arrays.copyOf(readable, blocks);
            writable = Arrays.copyOf(writable, blocks);
        } else {
            Arrays.fill(readable, blocks, used, null);
            Arrays.fill(writable, blocks, used, null);
        }
        if (segments != null) {
            Arrays.fill(segments, PassiveDataSegment.EMPTY);
        }
        pages = imagePages;
        refusedByBudget = 0;
        account = null;
    }

    /** Binds a scrubbed memory to the budget account of the instance that takes it (or none). */
    synchronized void charge(MemoryAccount next) {
        this.account = next;
    }

    /** Bytes this memory holds of its own (blocks written since allocation or sharing), for tests and measurements. */
    long ownBytes() {
        long n = 0;
        int count = pages * BLOCKS_PER_PAGE;
        for (int i = 0; i < count; i++) {
            if (writable[i] != null) {
                n += BLOCK;
            }
        }
        return n;
    }

    /** Slots in the page tables, one per block (as many as the memory's blocks, not the cap's), for tests. */
    int tableLength() {
        return readable.length;
    }

    /** Whether the shared budget has refused a growth of this memory (a state that depends on other instances). */
    boolean refusedByBudget() {
        return refusedByBudget > 0;
    }

    @Override
    public int pages() {
        return pages;
    }

    @Override
    public synchronized int grow(int more) {
        int previous = pages;
        long next = (long) previous + more;
        if (more < 0 || next > maximumPages) {
            return -1;
        }
        if (more == 0) {
            return previous;
        }
        long bytes = (long) more * PAGE_SIZE;
        if (account != null && !account.reserve(bytes)) {
            refusedByBudget++;
            return -1;
        }
        try {
            int blocks = (int) next * BLOCKS_PER_PAGE;
            if (blocks > readable.length) {
                int capacity = (int) Math.min((long) maximumPages * BLOCKS_PER_PAGE, Math.max(blocks, 2L * readable.length));
                readable = Arrays.copyOf(readable, capacity);
                writable = Arrays.copyOf(writable, capacity);
            }
            Arrays.fill(readable, previous * BLOCKS_PER_PAGE, blocks, ZERO);
            pages = (int) next;
        } catch (RuntimeException | Error e) {
            if (account != null) {
                account.unreserve(bytes);
            }
            throw e;
        }
        return previous;
    }

    @Override
    public int initialPages() {
        return limits.initialPages();
    }

    @Override
    public int maximumPages() {
        return maximumPages;
    }

    @Override
    public boolean shared() {
        return false;
    }

    // ---- atomics: one thread at a time runs a non-shared memory ----

    /** The monitor the interface's atomic operations hold around their read and write. */
    @Override
    public Object lock(int address) {
        return this;
    }

    @Override
    public int waitOn(int address, int expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int waitOn(int address, long expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int notify(int address, int count) {
        return 0; // nobody can wait on a non-shared memory
    }

    // ---- data segments ----

    @Override
    public void initialize(Instance instance, DataSegment[] segments) {
        install(instance, segments, -1);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
        install(instance, segments, memoryIndex);
    }

    private void install(Instance instance, DataSegment[] given, int memoryIndex) {
        DataSegment[] installed = restoredSegments != null ? restoredSegments.clone() : given;
        this.segments = installed;
        if (installed == null) {
            return;
        }
        for (DataSegment s : installed) {
            if (s instanceof ActiveDataSegment) {
                ActiveDataSegment segment = (ActiveDataSegment) s;
                if (memoryIndex >= 0 && segment.index() != memoryIndex) {
                    continue;
                }
                byte[] data = segment.data();
                int offset = (int) computeConstantValue(instance, segment.offsetInstructions())[0];
                if (outOfBounds(offset, data.length, sizeInBytes())) {
                    throw new UninstantiableException(outOfBoundsMessage(offset, data.length));
                }
                write(offset, data, 0, data.length);
            } else if (!(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("Data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segment, int destination, int offset, int size) {
        write(destination, segments[segment].data(), offset, size);
    }

    @Override
    public void drop(int segment) {
        segments[segment] = PassiveDataSegment.EMPTY;
    }

    // ---- bounds ----

    private int sizeInBytes() {
        return pages * PAGE_SIZE;
    }

    private static boolean outOfBounds(int address, int size, long limit) {
        return address < 0 || size < 0 || (long) address + size > limit;
    }

    private void check(int address, int size) {
        if (outOfBounds(address, size, sizeInBytes())) {
            throw new WasmRuntimeException(outOfBoundsMessage(address, size));
        }
    }

    private String outOfBoundsMessage(int address, int size) {
        return "out of bounds memory access: attempted to access address: " + Integer.toUnsignedString(address)
                + " but limit is: " + sizeInBytes() + " and size: " + size;
    }

    /** The trap for an access whose page lookup failed; any other exception unchanged. */
    private RuntimeException outOfBounds(RuntimeException e, int address, int size) {
        if (e instanceof IndexOutOfBoundsException || e instanceof NullPointerException) {
            return new WasmRuntimeException(outOfBoundsMessage(address, size));
        }
        return e;
    }

    // ---- bulk ----

    @Override
    public void write(int address, byte[] data, int offset, int size) {
        if (outOfBounds(offset, size, data.length)) {
            throw new WasmRuntimeException("out of bounds memory access: attempted to read " + size
                    + " bytes at offset " + offset + " of " + data.length + " bytes");
        }
        check(address, size);
        while (size > 0) {
            int at = address & MASK;
            int chunk = Math.min(size, BLOCK - at);
            System.arraycopy(data, offset, writableBlock(address >>> SHIFT), at, chunk);
            address += chunk;
            offset += chunk;
            size -= chunk;
        }
    }

    @Override
    public byte[] readBytes(int address, int length) {
        check(address, length);
        byte[] result = new byte[length];
        int done = 0;
        while (done < length) {
            int at = address & MASK;
            int chunk = Math.min(length - done, BLOCK - at);
            System.arraycopy(readable[address >>> SHIFT], at, result, done, chunk);
            address += chunk;
            done += chunk;
        }
        return result;
    }

    @Override
    public void zero() {
        int count = pages * BLOCKS_PER_PAGE;
        Arrays.fill(readable, 0, count, ZERO);
        Arrays.fill(writable, 0, count, null);
    }

    @Override
    public void fill(byte value, int from, int to) {
        int size = to - from;
        check(from, size);
        int address = from;
        while (size > 0) {
            int at = address & MASK;
            int chunk = Math.min(size, BLOCK - at);
            int index = address >>> SHIFT;
            if (value != 0 || writable[index] != null || readable[index] != ZERO) { // zeros on the zero block: nothing to do
                Arrays.fill(writableBlock(index), at, at + chunk, value);
            }
            address += chunk;
            size -= chunk;
        }
    }

    @Override
    public void copy(int destination, int source, int size) {
        check(destination, size);
        check(source, size);
        if (size == 0 || destination == source) {
            return;
        }
        if (destination < source || destination >= source + size) {
            while (size > 0) {
                int to = destination & MASK;
                int from = source & MASK;
                int chunk = Math.min(size, BLOCK - Math.max(to, from));
                byte[] target = writableBlock(destination >>> SHIFT); // before the source: it may be the same page
                System.arraycopy(readable[source >>> SHIFT], from, target, to, chunk);
                destination += chunk;
                source += chunk;
                size -= chunk;
            }
        } else { // overlapping, destination after source: from the end
            int destinationEnd = destination + size;
            int sourceEnd = source + size;
            while (size > 0) {
                int toEnd = ((destinationEnd - 1) & MASK) + 1;
                int fromEnd = ((sourceEnd - 1) & MASK) + 1;
                int chunk = Math.min(size, Math.min(toEnd, fromEnd));
                byte[] target = writableBlock((destinationEnd - 1) >>> SHIFT);
                System.arraycopy(readable[(sourceEnd - 1) >>> SHIFT], fromEnd - chunk, target, toEnd - chunk, chunk);
                destinationEnd -= chunk;
                sourceEnd -= chunk;
                size -= chunk;
            }
        }
    }

    // ---- loads ----

    @Override
    public byte read(int address) {
        try {
            return readable[address >>> SHIFT][address & MASK];
        } catch (RuntimeException e) {
            throw outOfBounds(e, address, 1);
        }
    }

    @Override
    public short readShort(int address) {
        int at = address & MASK;
        if (at <= BLOCK - 2) {
            try {
                return (short) SHORT.get(readable[address >>> SHIFT], at);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 2);
            }
        }
        return (short) readAcross(address, 2);
    }

    @Override
    public long readU16(int address) {
        return readShort(address) & 0xFFFFL;
    }

    @Override
    public int readInt(int address) {
        int at = address & MASK;
        if (at <= BLOCK - 4) {
            try {
                return (int) INT.get(readable[address >>> SHIFT], at);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 4);
            }
        }
        return (int) readAcross(address, 4);
    }

    @Override
    public long readLong(int address) {
        int at = address & MASK;
        if (at <= BLOCK - 8) {
            try {
                return (long) LONG.get(readable[address >>> SHIFT], at);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 8);
            }
        }
        return readAcross(address, 8);
    }

    @Override
    public float readFloat(int address) {
        int at = address & MASK;
        if (at <= BLOCK - 4) {
            try {
                return (float) FLOAT.get(readable[address >>> SHIFT], at);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 4);
            }
        }
        return Float.intBitsToFloat((int) readAcross(address, 4));
    }

    @Override
    public long readF32(int address) {
        return readInt(address);
    }

    @Override
    public double readDouble(int address) {
        int at = address & MASK;
        if (at <= BLOCK - 8) {
            try {
                return (double) DOUBLE.get(readable[address >>> SHIFT], at);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 8);
            }
        }
        return Double.longBitsToDouble(readAcross(address, 8));
    }

    @Override
    public long readF64(int address) {
        return readLong(address);
    }

    /** A little-endian value of {@code size} bytes that crosses a page boundary. */
    private long readAcross(int address, int size) {
        check(address, size);
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            int a = address + i;
            value = (value << 8) | (readable[a >>> SHIFT][a & MASK] & 0xFFL);
        }
        return value;
    }

    // ---- stores ----

    @Override
    public void writeByte(int address, byte value) {
        try {
            writableBlock(address >>> SHIFT)[address & MASK] = value;
        } catch (RuntimeException e) {
            throw outOfBounds(e, address, 1);
        }
    }

    @Override
    public void writeShort(int address, short value) {
        int at = address & MASK;
        if (at <= BLOCK - 2) {
            try {
                SHORT.set(writableBlock(address >>> SHIFT), at, value);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 2);
            }
        } else {
            writeAcross(address, value, 2);
        }
    }

    @Override
    public void writeI32(int address, int value) {
        int at = address & MASK;
        if (at <= BLOCK - 4) {
            try {
                INT.set(writableBlock(address >>> SHIFT), at, value);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 4);
            }
        } else {
            writeAcross(address, value, 4);
        }
    }

    @Override
    public void writeLong(int address, long value) {
        int at = address & MASK;
        if (at <= BLOCK - 8) {
            try {
                LONG.set(writableBlock(address >>> SHIFT), at, value);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 8);
            }
        } else {
            writeAcross(address, value, 8);
        }
    }

    @Override
    public void writeF32(int address, float value) {
        int at = address & MASK;
        if (at <= BLOCK - 4) {
            try {
                FLOAT.set(writableBlock(address >>> SHIFT), at, value);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 4);
            }
        } else {
            writeAcross(address, Float.floatToRawIntBits(value), 4);
        }
    }

    @Override
    public void writeF64(int address, double value) {
        int at = address & MASK;
        if (at <= BLOCK - 8) {
            try {
                DOUBLE.set(writableBlock(address >>> SHIFT), at, value);
            } catch (RuntimeException e) {
                throw outOfBounds(e, address, 8);
            }
        } else {
            writeAcross(address, Double.doubleToRawLongBits(value), 8);
        }
    }

    /** Stores a little-endian value of {@code size} bytes that crosses a page boundary: all of it or nothing. */
    private void writeAcross(int address, long value, int size) {
        check(address, size);
        for (int i = 0; i < size; i++) {
            int a = address + i;
            writableBlock(a >>> SHIFT)[a & MASK] = (byte) (value >>> (8 * i));
        }
    }
}
