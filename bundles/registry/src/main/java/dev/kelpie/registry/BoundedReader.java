package dev.kelpie.registry;

import java.nio.charset.StandardCharsets;

/**
 * Reads a window of a WebAssembly binary and never trusts a number it reads: every LEB128 must be well
 * formed, every declared length must fit the bytes left in the window and every declared count must fit
 * them at the smallest size of one item. A violation is a {@link BinaryFormatException} naming the offset.
 * The reader allocates nothing but the names it is asked to decode, and those are bounded by the window.
 */
final class BoundedReader {
    private final byte[] bytes;
    private final int limit;
    private int pos;

    BoundedReader(byte[] bytes, int from, int limit) {
        if (from < 0 || limit > bytes.length || from > limit) {
            throw new IllegalArgumentException("window " + from + ".." + limit + " outside " + bytes.length + " bytes");
        }
        this.bytes = bytes;
        this.pos = from;
        this.limit = limit;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return limit - pos;
    }

    boolean hasRemaining() {
        return pos < limit;
    }

    int u8() {
        if (pos >= limit) {
            throw new BinaryFormatException("unexpected end", pos);
        }
        return bytes[pos++] & 0xff;
    }

    /** An unsigned LEB128 of at most 5 bytes whose value fits 32 bits. */
    long u32() {
        int start = pos;
        long result = 0;
        for (int i = 0; i < 5; i++) {
            if (pos >= limit) {
                throw new BinaryFormatException("unexpected end inside an integer", start);
            }
            int b = bytes[pos++] & 0xff;
            result |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (result > 0xFFFF_FFFFL) {
                    throw new BinaryFormatException("integer too large", start);
                }
                return result;
            }
        }
        throw new BinaryFormatException("integer representation too long", start);
    }

    /** A signed LEB128 of at most 5 bytes, as an i32 (the value of an {@code i32.const}). */
    int s32() {
        int start = pos;
        long result = 0;
        int shift = 0;
        int b;
        do {
            if (pos >= limit) {
                throw new BinaryFormatException("unexpected end inside an integer", start);
            }
            if (shift >= 35) {
                throw new BinaryFormatException("integer representation too long", start);
            }
            b = bytes[pos++] & 0xff;
            result |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if ((b & 0x40) != 0) {
            result |= -(1L << shift);
        }
        return (int) result;
    }

    /** Skips an LEB128 (signed or unsigned, they frame alike) of at most {@code maxBytes} bytes. */
    void skipLeb(int maxBytes) {
        int start = pos;
        for (int i = 0; i < maxBytes; i++) {
            if ((nextLebByte(start) & 0x80) == 0) {
                return;
            }
        }
        throw new BinaryFormatException("integer representation too long", start);
    }

    private int nextLebByte(int start) {
        if (pos >= limit) {
            throw new BinaryFormatException("unexpected end inside an integer", start);
        }
        return bytes[pos++] & 0xff;
    }

    /** A declared byte length, which must fit in what is left. */
    int length(String what) {
        int at = pos;
        long n = u32();
        if (n > remaining()) {
            throw new BinaryFormatException(what + " declares " + n + " bytes but only " + remaining() + " remain", at);
        }
        return (int) n;
    }

    /**
     * A declared vector count, which must fit in what is left when every item takes at least
     * {@code minBytesEach} bytes.
     */
    int count(String what, int minBytesEach) {
        int at = pos;
        long n = u32();
        if (n * minBytesEach > remaining()) {
            throw new BinaryFormatException(what + ": count " + n + " needs at least " + n * minBytesEach
                    + " bytes but only " + remaining() + " remain", at);
        }
        return (int) n;
    }

    void skip(int n) {
        if (n < 0 || n > remaining()) {
            throw new BinaryFormatException("unexpected end", pos);
        }
        pos += n;
    }

    /** A name: a declared length that must fit, then that many bytes decoded as UTF-8. */
    String name(String what) {
        int n = length(what);
        String s = new String(bytes, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A reader over the next {@code n} bytes (which must fit); this reader moves past them. */
    BoundedReader window(int n) {
        if (n < 0 || n > remaining()) {
            throw new BinaryFormatException("unexpected end", pos);
        }
        BoundedReader w = new BoundedReader(bytes, pos, pos + n);
        pos += n;
        return w;
    }

    /** A violation of the binary format at a byte offset of the module. */
    static final class BinaryFormatException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int offset;

        BinaryFormatException(String message, int offset) {
            super(message, null, false, false);
            this.offset = offset;
        }

        int offset() {
            return offset;
        }
    }
}
