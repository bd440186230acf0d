package dev.kelpie.registry;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Test helper: derives mutants of WebAssembly modules from a seeded {@link Random}, so a run is
 * reproducible from its seed and index. Mutations: byte flips, byte sets to boundary values, inserts,
 * deletes, truncations, and LEB128 inflation (a count or length inside a section replaced by a huge value,
 * the section size fixed up so the parser reaches it).
 */
final class Mutator {
    /** Counts and lengths that break naive allocation: 2^32-1, 2^31-1, 2^31, 2^28, 10M, 1M, 65537, 50001. */
    private static final long[] BIG = {
        0xFFFF_FFFFL, 0x7FFF_FFFFL, 0x8000_0000L, 0x1000_0000L, 10_000_000L, 1_000_000L, 65_537L, 50_001L
    };
    private static final int[] BOUNDARY_BYTES = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x60, 0x41};

    private final Random random;

    Mutator(long seed) {
        this.random = new Random(seed);
    }

    /** One mutant of {@code module}, and a short description of the mutation. */
    Mutant mutate(byte[] module) {
        int kind = random.nextInt(10);
        switch (kind) {
            case 0:
            case 1:
                return flip(module);
            case 2:
                return setBoundary(module);
            case 3:
                return insert(module);
            case 4:
                return delete(module);
            case 5:
                return truncate(module);
            case 6:
                return inflateSectionSize(module);
            default:
                return inflateLeb(module);
        }
    }

    /** A mutated module and how it was made. */
    record Mutant(byte[] bytes, String how) {}

    private Mutant flip(byte[] module) {
        byte[] out = module.clone();
        int n = 1 + random.nextInt(4);
        StringBuilder how = new StringBuilder("flip");
        for (int i = 0; i < n; i++) {
            int at = position(out.length);
            out[at] ^= (byte) (1 + random.nextInt(255));
            how.append(' ').append(at);
        }
        return new Mutant(out, how.toString());
    }

    private Mutant setBoundary(byte[] module) {
        byte[] out = module.clone();
        int at = position(out.length);
        int value = BOUNDARY_BYTES[random.nextInt(BOUNDARY_BYTES.length)];
        out[at] = (byte) value;
        return new Mutant(out, "set " + at + "=" + value);
    }

    private Mutant insert(byte[] module) {
        int at = position(module.length);
        byte[] extra = new byte[1 + random.nextInt(8)];
        random.nextBytes(extra);
        byte[] out = new byte[module.length + extra.length];
        System.arraycopy(module, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(module, at, out, at + extra.length, module.length - at);
        return new Mutant(out, "insert " + extra.length + " at " + at);
    }

    private Mutant delete(byte[] module) {
        int at = position(module.length);
        int n = Math.min(1 + random.nextInt(16), module.length - at);
        byte[] out = new byte[module.length - n];
        System.arraycopy(module, 0, out, 0, at);
        System.arraycopy(module, at + n, out, at, module.length - at - n);
        return new Mutant(out, "delete " + n + " at " + at);
    }

    private Mutant truncate(byte[] module) {
        int len = 8 + random.nextInt(Math.max(1, module.length - 8));
        return new Mutant(Arrays.copyOf(module, len), "truncate " + len);
    }

    /** The size of one section replaced by a big value: the parser must not trust it. */
    private Mutant inflateSectionSize(byte[] module) {
        List<int[]> sections = sections(module);
        if (sections.isEmpty()) {
            return flip(module);
        }
        int[] s = sections.get(random.nextInt(sections.size()));
        long value = big();
        return new Mutant(replaceLeb(module, s[1], value), "section at " + s[0] + " size=" + value);
    }

    /**
     * An LEB128 inside a section (its first vector count, or one at a random offset) replaced by a big
     * value, the section size rewritten to match so that the section itself stays well-framed.
     */
    private Mutant inflateLeb(byte[] module) {
        List<int[]> sections = sections(module);
        if (sections.isEmpty()) {
            return flip(module);
        }
        int[] s = sections.get(random.nextInt(sections.size()));
        int contentStart = s[2];
        int contentEnd = s[3];
        if (contentEnd <= contentStart) {
            return flip(module);
        }
        int at = random.nextInt(3) == 0 ? contentStart : contentStart + random.nextInt(contentEnd - contentStart);
        long value = big();
        byte[] content = replaceLeb(Arrays.copyOfRange(module, contentStart, contentEnd), at - contentStart, value);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(module, 0, s[0] + 1); // everything before the section and its id
        writeU32(out, content.length);
        out.writeBytes(content);
        out.write(module, contentEnd, module.length - contentEnd);
        return new Mutant(out.toByteArray(), "leb in section " + (module[s[0]] & 0xff) + " at +" + (at - contentStart)
                + "=" + value);
    }

    private long big() {
        return random.nextInt(4) == 0 ? random.nextInt(1 << 20) : BIG[random.nextInt(BIG.length)];
    }

    private int position(int length) {
        return length <= 8 ? random.nextInt(Math.max(1, length)) : 8 + random.nextInt(length - 8);
    }

    /** Each well-framed section as {id offset, size offset, content start, content end}. */
    static List<int[]> sections(byte[] module) {
        List<int[]> out = new ArrayList<>();
        int pos = 8;
        while (pos < module.length) {
            int idAt = pos++;
            int sizeAt = pos;
            long size = 0;
            int shift = 0;
            int b;
            do {
                if (pos >= module.length || shift > 28) {
                    return out;
                }
                b = module[pos++] & 0xff;
                size |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            if (size > module.length - pos) {
                return out;
            }
            out.add(new int[] {idAt, sizeAt, pos, pos + (int) size});
            pos += (int) size;
        }
        return out;
    }

    /** The bytes with the LEB128 at {@code at} (or the one byte there) replaced by {@code value}. */
    private static byte[] replaceLeb(byte[] bytes, int at, long value) {
        int end = at;
        while (end < bytes.length && end - at < 5 && (bytes[end] & 0x80) != 0) {
            end++;
        }
        end = Math.min(end + 1, bytes.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        writeU32(out, value);
        out.write(bytes, end, bytes.length - end);
        return out.toByteArray();
    }

    static void writeU32(ByteArrayOutputStream out, long value) {
        do {
            int b = (int) (value & 0x7f);
            value >>>= 7;
            if (value != 0) {
                b |= 0x80;
            }
            out.write(b);
        } while (value != 0);
    }
}
