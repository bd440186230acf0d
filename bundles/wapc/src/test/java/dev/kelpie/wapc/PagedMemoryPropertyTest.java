package dev.kelpie.wapc;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * {@link PagedMemory} behaves as Chicory's {@link ByteArrayMemory} on random sequences of operations: the
 * same values, the same failures (a trap where it traps), the same size and the same bytes after every
 * step. Addresses gather at block (and so page) boundaries and at the end of memory, where the two differ in how they
 * find a page. The paged memory starts either empty or sharing an image's pages (copy-on-write), and the
 * image must be unchanged at the end.
 */
class PagedMemoryPropertyTest {
    private static final int PAGE = Memory.PAGE_SIZE;
    private static final int INITIAL = 2;
    private static final int MAXIMUM = 5;

    /** One operation: what it does and its arguments (addresses, values, sizes), read as each kind needs. */
    static final class Op {
        final int kind;
        final int a;
        final int b;
        final int c;
        final long value;

        Op(int kind, int a, int b, int c, long value) {
            this.kind = kind;
            this.a = a;
            this.b = b;
            this.c = c;
            this.value = value;
        }

        @Override
        public String toString() {
            return "Op(" + kind + ", " + a + ", " + b + ", " + c + ", " + value + ")";
        }
    }

    private static final int KINDS = 24;

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Integer> near = Combinators.combine(Arbitraries.integers().between(0, MAXIMUM * PAGE / PagedMemory.BLOCK),
                Arbitraries.integers().between(-9, 9)).as((block, delta) -> block * PagedMemory.BLOCK + delta);
        Arbitrary<Integer> address = Arbitraries.frequencyOf(
                Tuple.of(6, near),
                Tuple.of(3, Arbitraries.integers().between(0, MAXIMUM * PAGE)),
                Tuple.of(1, Arbitraries.integers()));
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 40)),
                Tuple.of(3, Arbitraries.integers().between(0, 2 * PAGE + 10)),
                Tuple.of(1, Arbitraries.integers().between(-5, -1)));
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, KINDS - 1), address, address, size,
                Arbitraries.longs()).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(50);
    }

    /** Applies an operation; its result, or the class of the failure, as text. */
    private static String apply(Memory m, Op op) {
        try {
            switch (op.kind) {
                case 0: return "" + m.read(op.a);
                case 1: return "" + m.readShort(op.a);
                case 2: return "" + m.readInt(op.a);
                case 3: return "" + m.readLong(op.a);
                case 4: return "" + Float.floatToIntBits(m.readFloat(op.a));
                case 5: return "" + Double.doubleToLongBits(m.readDouble(op.a));
                case 6: m.writeByte(op.a, (byte) op.value); return "ok";
                case 7: m.writeShort(op.a, (short) op.value); return "ok";
                case 8: m.writeI32(op.a, (int) op.value); return "ok";
                case 9: m.writeLong(op.a, op.value); return "ok";
                case 10: m.writeF32(op.a, Float.intBitsToFloat((int) op.value)); return "ok";
                case 11: m.writeF64(op.a, Double.longBitsToDouble(op.value)); return "ok";
                case 12: m.write(op.a, bytes(op), (int) (op.value & 7), op.c); return "ok";
                case 13: return Arrays.hashCode(m.readBytes(op.a, op.c)) + "";
                case 14: m.fill((byte) op.value, op.a, op.a + op.c); return "ok";
                case 15: m.fill((byte) 0, op.a, op.a + op.c); return "ok";
                case 16: m.copy(op.a, op.b, op.c); return "ok";
                case 17: return "" + m.grow(op.c % 3);
                case 18: return "" + m.readU16(op.a) + "/" + m.readU32(op.a) + "/" + m.readI8(op.a) + "/" + m.readU8(op.a);
                case 19: return "" + m.atomicAddInt(op.a & ~3, (int) op.value);
                case 20: return "" + m.atomicCmpxchgLong(op.a & ~7, m.readLong(op.b & ~7), op.value);
                case 21: return "" + m.readF32(op.a) + "/" + m.readF64(op.a) + "/" + m.readI16(op.a) + "/" + m.readI32(op.a);
                case 22: m.write(op.a, bytes(op)); return "ok";
                default: m.writeByte(op.a | (PagedMemory.BLOCK - 1), (byte) op.value); return "ok";
            }
        } catch (RuntimeException e) {
            return e.getClass().getName();
        }
    }

    /** A few bytes to write, from the operation's value: a size of 0 to 16, padded past {@code c} sometimes. */
    private static byte[] bytes(Op op) {
        byte[] data = new byte[Math.max(0, Math.min(op.c, 64)) + (int) ((op.value >>> 8) & 3)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (op.value >>> (i % 8 * 8));
        }
        return data;
    }

    /** Three pages in blocks: some zero (null), the others with a pattern. */
    private static byte[][] image() {
        byte[][] image = new byte[(INITIAL + 1) * PAGE / PagedMemory.BLOCK][];
        for (int b = 0; b < image.length; b++) {
            if (b % 5 == 2) {
                continue;
            }
            image[b] = new byte[PagedMemory.BLOCK];
            for (int i = b % 3; i < PagedMemory.BLOCK; i += 7) {
                image[b][i] = (byte) (i + b);
            }
        }
        return image;
    }

    private static void check(List<Op> ops, boolean fromImage) {
        MemoryLimits limits = new MemoryLimits(INITIAL, MAXIMUM);
        Memory reference = new ByteArrayMemory(limits);
        PagedMemory paged = new PagedMemory(limits);
        byte[][] image = image();
        byte[][] pristine = Arrays.stream(image).map(p -> p == null ? null : p.clone()).toArray(byte[][]::new);
        if (fromImage) {
            reference.grow(1);
            paged.grow(1);
            paged.share(image);
            for (int b = 0; b < image.length; b++) {
                if (image[b] != null) {
                    reference.write(b * PagedMemory.BLOCK, image[b]);
                }
            }
        }
        List<String> steps = new ArrayList<>();
        for (Op op : ops) {
            steps.add(op.toString());
            String expected = apply(reference, op);
            assertThat(apply(paged, op)).as("after %s", steps).isEqualTo(expected);
            assertThat(paged.pages()).as("pages after %s", steps).isEqualTo(reference.pages());
        }
        Function<Memory, byte[]> all = m -> m.readBytes(0, m.pages() * PAGE);
        assertThat(all.apply(paged)).as("contents after %s", steps).isEqualTo(all.apply(reference));
        assertThat(image).as("the image after %s", steps).isDeepEqualTo(pristine);
        assertThat(PagedMemory.ZERO).as("the zero page").containsOnly(0);
    }

    @Property(tries = 200)
    void behavesAsByteArrayMemory(@ForAll("operations") List<Op> ops) {
        check(ops, false);
    }

    @Property(tries = 200)
    void behavesAsByteArrayMemoryWhenSharingAnImage(@ForAll("operations") List<Op> ops) {
        check(ops, true);
    }
}
