package dev.kelpie.wapc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kelpie's linear memory: bounds at every width, growth, bulk operations, segments, copy-on-write, budget. */
@Timeout(60)
class PagedMemoryTest {
    private static final int PAGE = Memory.PAGE_SIZE;

    private static PagedMemory memory(int initial, int maximum) {
        return new PagedMemory(new MemoryLimits(initial, maximum));
    }

    /** One access of {@code width} bytes at an address: loads and stores of every width the compiled code uses. */
    private static void load(Memory m, int width, int address) {
        switch (width) {
            case 1: m.read(address); break;
            case 2: m.readShort(address); break;
            case 4: m.readInt(address); m.readFloat(address); break;
            default: m.readLong(address); m.readDouble(address); break;
        }
    }

    private static void store(Memory m, int width, int address) {
        switch (width) {
            case 1: m.writeByte(address, (byte) 1); break;
            case 2: m.writeShort(address, (short) 1); break;
            case 4: m.writeI32(address, 1); m.writeF32(address, 1f); break;
            default: m.writeLong(address, 1L); m.writeF64(address, 1d); break;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void everyWidthFitsUpToTheLastByteAndTrapsOnePast(int width) {
        PagedMemory m = memory(2, 2);
        int end = 2 * PAGE;
        load(m, width, end - width);
        store(m, width, end - width);
        for (int address : new int[] {end - width + 1, end, end + PAGE, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> load(m, width, address)).as("load at %d", address)
                    .isInstanceOf(WasmRuntimeException.class).hasMessageStartingWith("out of bounds memory access");
            assertThatThrownBy(() -> store(m, width, address)).as("store at %d", address)
                    .isInstanceOf(WasmRuntimeException.class).hasMessageStartingWith("out of bounds memory access");
        }
        assertThat(m.readBytes(end - 16, 16 - width)).as("a refused store wrote nothing").containsOnly(0);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void valuesAcrossAPageBoundaryRoundTripLittleEndian(int width) {
        PagedMemory m = memory(2, 2);
        for (int address = PAGE - width + 1; address < PAGE; address++) {
            long value = 0x0807060504030201L;
            switch (width) {
                case 2: m.writeShort(address, (short) value); assertThat(m.readShort(address)).isEqualTo((short) value); break;
                case 4: m.writeI32(address, (int) value); assertThat(m.readInt(address)).isEqualTo((int) value);
                    m.writeF32(address, 1.5f); assertThat(m.readFloat(address)).isEqualTo(1.5f); break;
                default: m.writeLong(address, value); assertThat(m.readLong(address)).isEqualTo(value);
                    m.writeF64(address, 2.5d); assertThat(m.readDouble(address)).isEqualTo(2.5d); break;
            }
            m.writeLong(address, value);
            assertThat(m.read(address)).isEqualTo((byte) 1);
            assertThat(m.read(address + 1)).isEqualTo((byte) 2);
        }
    }

    @Test
    void aStoreAcrossTheEndOfMemoryWritesNothing() {
        PagedMemory m = memory(1, 1);
        assertThatThrownBy(() -> m.writeLong(PAGE - 4, -1L)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.write(PAGE - 4, new byte[8])).isInstanceOf(WasmRuntimeException.class);
        assertThat(m.readInt(PAGE - 4)).isZero();
    }

    @Test
    void growsToTheLimitAndNoFurther() {
        PagedMemory m = memory(1, 5);
        assertThat(m.grow(0)).isEqualTo(1);
        assertThat(m.grow(3)).isEqualTo(1);
        assertThat(m.pages()).isEqualTo(4);
        m.writeLong(4 * PAGE - 8, 42L);
        assertThat(m.grow(2)).as("past the limit").isEqualTo(-1);
        assertThat(m.grow(-1)).isEqualTo(-1);
        assertThat(m.grow(Integer.MAX_VALUE)).isEqualTo(-1);
        assertThat(m.pages()).isEqualTo(4);
        assertThatThrownBy(() -> m.read(4 * PAGE)).isInstanceOf(WasmRuntimeException.class);
        assertThat(m.grow(1)).isEqualTo(4);
        assertThat(m.grow(1)).isEqualTo(-1);
        assertThat(m.pages()).isEqualTo(5).isEqualTo(m.maximumPages());
        assertThat(m.readLong(4 * PAGE - 8)).as("kept across growth").isEqualTo(42L);
        assertThat(m.readLong(5 * PAGE - 8)).as("new pages are zero").isZero();
    }

    @Test
    void aMemoryWithNoPagesTrapsOnEveryAccess() {
        PagedMemory m = memory(0, 0);
        assertThatThrownBy(() -> m.read(0)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.writeI32(0, 1)).isInstanceOf(WasmRuntimeException.class);
        assertThat(m.readBytes(0, 0)).isEmpty();
        assertThat(m.grow(1)).isEqualTo(-1);
    }

    @Test
    void growingAllocatesNoBlocksUntilTheyAreWritten() {
        PagedMemory m = memory(2, 4096);
        assertThat(m.grow(100)).isEqualTo(2);
        assertThat(m.ownBytes()).isZero();
        m.writeByte(50 * PAGE + 3, (byte) 9);
        assertThat(m.ownBytes()).as("one block").isEqualTo(PagedMemory.BLOCK);
        assertThat(m.read(50 * PAGE + 3)).isEqualTo((byte) 9);
        assertThat(m.read(51 * PAGE + 3)).isZero();
    }

    @Test
    void theBudgetIsChargedBeforeGrowthAndARefusalFailsTheGrowth() {
        HostileGuestTest.SharedBudget budget = new HostileGuestTest.SharedBudget(3L * PAGE);
        MemoryAccount account = new MemoryAccount(budget);
        assertThat(account.reserve(PAGE)).as("the initial page, as the host reserves it").isTrue();
        PagedMemory m = new PagedMemory(new MemoryLimits(1, 10), account, null);
        assertThat(m.grow(2)).isEqualTo(1);
        assertThat(account.reserved()).isEqualTo(3L * PAGE);
        assertThat(m.refusedByBudget()).isFalse();
        assertThat(m.grow(1)).as("budget spent").isEqualTo(-1);
        assertThat(m.refusedByBudget()).isTrue();
        assertThat(m.pages()).isEqualTo(3);
        assertThat(m.grow(20)).as("the cap refuses first, nothing reserved").isEqualTo(-1);
        assertThat(account.reserved()).isEqualTo(3L * PAGE);
        account.releaseAll();
        assertThat(budget.used.get()).isZero();
    }

    @Test
    void overlappingCopiesBothWaysAcrossPages() {
        int size = 3 * PAGE;
        byte[] pattern = new byte[size];
        for (int i = 0; i < size; i++) {
            pattern[i] = (byte) (i * 31 + (i >>> 16));
        }
        int[][] cases = {{100, 0, 70_000}, {0, 100, 70_000}, {PAGE - 3, PAGE + 5, PAGE + 11}, {PAGE + 5, PAGE - 3, PAGE + 11},
            {1, 0, size - 1}, {0, 1, size - 1}, {7, 7, 100}, {10, 20, 0}};
        for (int[] c : cases) {
            PagedMemory m = memory(3, 3);
            m.write(0, pattern);
            byte[] expected = pattern.clone();
            System.arraycopy(expected, c[1], expected, c[0], c[2]);
            m.copy(c[0], c[1], c[2]);
            assertThat(m.readBytes(0, size)).as("copy(%d, %d, %d)", c[0], c[1], c[2]).isEqualTo(expected);
        }
        PagedMemory m = memory(1, 1);
        assertThatThrownBy(() -> m.copy(PAGE - 4, 0, 5)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.copy(0, PAGE - 4, 5)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.copy(0, 0, -1)).isInstanceOf(WasmRuntimeException.class);
    }

    @Test
    void fillAcrossPagesAndZerosOnTheZeroBlockAllocateNothing() {
        PagedMemory m = memory(3, 3);
        m.fill((byte) 7, PAGE - 10, 2 * PAGE + 10);
        assertThat(m.read(PAGE - 11)).isZero();
        assertThat(m.readBytes(PAGE - 10, PAGE + 20)).containsOnly(7);
        assertThat(m.read(2 * PAGE + 10)).isZero();
        assertThat(m.ownBytes()).as("page 1 and a block either side").isEqualTo(PAGE + 2L * PagedMemory.BLOCK);
        m.fill((byte) 0, PAGE, 2 * PAGE);
        assertThat(m.ownBytes()).as("own blocks are filled in place").isEqualTo(PAGE + 2L * PagedMemory.BLOCK);
        assertThat(m.readBytes(PAGE, PAGE)).containsOnly(0);
        PagedMemory fresh = memory(3, 3);
        fresh.fill((byte) 0, 5, 3 * PAGE);
        assertThat(fresh.ownBytes()).as("zeros on the zero block").isZero();
        m.writeByte(PAGE + 1, (byte) 5);
        assertThat(PagedMemory.ZERO).as("the zero page is never written").containsOnly(0);
        assertThatThrownBy(() -> m.fill((byte) 1, 2 * PAGE, 3 * PAGE + 1)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.fill((byte) 1, 10, 5)).isInstanceOf(WasmRuntimeException.class);
        m.zero();
        assertThat(m.ownBytes()).isZero();
        assertThat(m.readBytes(0, 3 * PAGE)).containsOnly(0);
    }

    private static DataSegment active(int offset, byte... data) {
        return new ActiveDataSegment(0, List.of(new Instruction(-1, OpCode.I32_CONST, new long[] {offset})), data);
    }

    @Test
    void activeSegmentsAreWrittenPassiveOnesOnRequestAndDropped() {
        PagedMemory m = memory(2, 2);
        m.initialize(null, new DataSegment[] {active(PAGE - 2, (byte) 1, (byte) 2, (byte) 3, (byte) 4),
            PassiveDataSegment.EMPTY, new PassiveDataSegment(new byte[] {9, 8, 7})});
        assertThat(m.readInt(PAGE - 2)).isEqualTo(0x04030201);
        m.initPassiveSegment(2, 100, 1, 2);
        assertThat(m.readBytes(100, 3)).containsExactly(8, 7, 0);
        assertThatThrownBy(() -> m.initPassiveSegment(2, 100, 2, 2)).as("past the segment's end")
                .isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> m.initPassiveSegment(2, 2 * PAGE - 1, 0, 2)).isInstanceOf(WasmRuntimeException.class);
        m.drop(2);
        assertThatThrownBy(() -> m.initPassiveSegment(2, 100, 0, 1)).as("dropped").isInstanceOf(WasmRuntimeException.class);
        m.initPassiveSegment(2, 100, 0, 0);
    }

    @Test
    void anActiveSegmentPastTheMemoryMakesTheModuleUninstantiable() {
        PagedMemory m = memory(1, 1);
        assertThatThrownBy(() -> m.initialize(null, new DataSegment[] {active(PAGE - 1, (byte) 1, (byte) 2)}))
                .isInstanceOf(UninstantiableException.class).hasMessageContaining("out of bounds memory access");
        assertThat(m.read(PAGE - 1)).as("nothing written").isZero();
    }

    @Test
    void aRestoredMemoryInstallsTheRestoredSegmentsInsteadOfTheModules() {
        DataSegment[] restored = {PassiveDataSegment.EMPTY};
        PagedMemory m = new PagedMemory(new MemoryLimits(1, 1), null, restored);
        m.initialize(null, new DataSegment[] {active(0, (byte) 1)});
        assertThat(m.read(0)).isZero();
        m.drop(0);
        assertThat(restored[0]).as("the image's array is not changed by drop").isSameAs(PassiveDataSegment.EMPTY);
    }

    /** Every way the guest or the host can store into memory. */
    private static final List<Consumer<Memory>> STORES = List.of(
            m -> m.writeByte(PAGE + 5, (byte) -1), m -> m.writeShort(PAGE + 5, (short) -1), m -> m.writeI32(PAGE + 5, -1),
            m -> m.writeLong(PAGE + 5, -1L), m -> m.writeF32(PAGE + 5, Float.NaN), m -> m.writeF64(PAGE + 5, Double.NaN),
            m -> m.writeLong(PAGE - 3, -1L), m -> m.write(PAGE + 5, new byte[] {-1, -1}), m -> m.fill((byte) -1, 10, PAGE + 20),
            m -> m.copy(PAGE + 5, 2 * PAGE, 300), m -> m.copy(PAGE + 5, PAGE + 4, 300), m -> m.atomicAddInt(PAGE + 8, 1),
            m -> m.atomicCmpxchgLong(PAGE + 8, 0x0101010101010101L, 5L), m -> m.atomicWriteByte(PAGE + 8, (byte) 3),
            m -> m.writeString(PAGE + 5, "x"), m -> m.zero(), m -> m.fill((byte) 0, 0, 3 * PAGE));

    @Test
    void sharedImageBlocksAreCopiedOnWriteAndNeverChange() {
        byte[][] image = new byte[3 * PAGE / PagedMemory.BLOCK][];
        for (int i = 0; i < image.length; i++) {
            if (i % 7 != 3) { // some zero blocks (null) among them
                image[i] = new byte[PagedMemory.BLOCK];
                Arrays.fill(image[i], (byte) 1);
            }
        }
        byte[][] untouched = Arrays.stream(image).map(b -> b == null ? null : b.clone()).toArray(byte[][]::new);
        for (int i = 0; i < STORES.size(); i++) {
            PagedMemory a = memory(1, 3);
            PagedMemory b = memory(1, 3);
            for (PagedMemory m : List.of(a, b)) {
                m.grow(2);
                m.share(image);
            }
            byte[] before = b.readBytes(0, 3 * PAGE);
            STORES.get(i).accept(a);
            assertThat(image).as("store %d: the image", i).isDeepEqualTo(untouched);
            assertThat(PagedMemory.ZERO).as("store %d: the zero block", i).containsOnly(0);
            assertThat(b.readBytes(0, 3 * PAGE)).as("store %d: the other memory", i).isEqualTo(before);
        }
    }

    @Test
    void aSharedBlockIsCopiedOnceAndReadsSeeTheCopy() {
        byte[][] image = {new byte[PagedMemory.BLOCK]};
        image[0][10] = 4;
        PagedMemory m = memory(1, 1);
        m.share(image);
        assertThat(m.read(10)).isEqualTo((byte) 4);
        assertThat(m.ownBytes()).isZero();
        m.writeByte(11, (byte) 5);
        m.writeByte(12, (byte) 6);
        assertThat(m.ownBytes()).isEqualTo(PagedMemory.BLOCK);
        assertThat(m.readBytes(10, 3)).containsExactly(4, 5, 6);
        assertThat(image[0][11]).isZero();
        assertThatThrownBy(() -> m.share(new byte[PAGE / PagedMemory.BLOCK + 1][])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void atomicsWorkOnANonSharedMemoryAndWaitTraps() {
        PagedMemory m = memory(1, 1);
        assertThat(m.atomicAddInt(8, 5)).isZero();
        assertThat(m.atomicCmpxchgInt(8, 5, 7)).isEqualTo(5);
        assertThat(m.atomicReadInt(8)).isEqualTo(7);
        assertThat(m.atomicXchgLong(16, 9L)).isZero();
        assertThat(m.atomicReadLong(16)).isEqualTo(9L);
        assertThat(m.atomicNotify(8, 1)).isZero();
        assertThatThrownBy(() -> m.atomicWait(8, 7, 0L)).isInstanceOf(ChicoryException.class).hasMessageContaining("non-shared");
        assertThatThrownBy(() -> m.atomicAddInt(PAGE - 2, 1)).isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> new PagedMemory(new MemoryLimits(1, 1, true))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shared");
    }

    @Test
    void strings() {
        PagedMemory m = memory(2, 2);
        m.writeCString(PAGE - 3, "héllo");
        assertThat(m.readCString(PAGE - 3)).isEqualTo("héllo");
        m.writeString(10, "abc");
        assertThat(m.readString(10, 3)).isEqualTo("abc");
    }

    @Test
    void theBlockTableGrowsWithTheMemoryNotTheCap() {
        int perPage = PAGE / PagedMemory.BLOCK;
        PagedMemory m = memory(3, 4096);
        assertThat(m.tableLength()).isEqualTo(3 * perPage);
        m.grow(1);
        assertThat(m.tableLength()).isBetween(4 * perPage, 8 * perPage);
        m.grow(100);
        assertThat(m.tableLength()).isBetween(104 * perPage, 208 * perPage);
        assertThat(memory(1, 2).tableLength()).isEqualTo(perPage);
        PagedMemory capped = memory(1, 3);
        capped.grow(2);
        assertThat(capped.tableLength()).as("never past the cap").isEqualTo(3 * perPage);
    }

    // ---- through a guest ----

    private static byte[] access(int address, int kind) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(address).putInt(kind).array();
    }

    @ParameterizedTest
    @ValueSource(strings = {"compiled", "interpreted"})
    void aGuestAccessOutOfBoundsIsATrapNamingTheModuleAtEveryWidth(String mode) {
        ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        host.setConsole(new RecordingConsole());
        CompiledModule module = "compiled".equals(mode)
                ? Guests.COMPILED.install("memory-access.wasm", Guests.bytes("/wasm/wat/memory-access.wasm"))
                : Guests.INTERPRETED.install("memory-access.wasm", Guests.bytes("/wasm/wat/memory-access.wasm"));
        int[] widths = {1, 2, 4, 8, 1, 2, 4, 8, 8, 8};
        for (int kind = 0; kind < widths.length; kind++) {
            try (WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("mem"))) {
                instance.invoke("op", access(PAGE - widths[kind], kind));
            }
            int k = kind;
            try (WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("mem"))) {
                int address = PAGE - widths[kind] + 1;
                GuestCallException e = catchThrowableOfType(GuestCallException.class,
                        () -> instance.invoke("op", access(address, k)));
                assertThat(e).as("kind %d at %d", kind, address).isNotNull();
                assertThat(e.kind()).isEqualTo(GuestCallException.Kind.TRAP);
                assertThat(e.moduleLabel()).isEqualTo(module.descriptor().label());
                assertThat(e.getMessage()).contains(module.descriptor().label()).contains("out of bounds memory access");
            }
        }
        try (WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("mem"))) {
            instance.invoke("op", access(PAGE - 8, 9)); // fill 8 bytes of 7
            assertThat(instance.invoke("op", access(PAGE - 8, 3))).containsOnly(7);
            assertThat(instance.invoke("op", access(PAGE - 8, 8))).as("memory.copy").containsOnly(7);
        }
    }
}
