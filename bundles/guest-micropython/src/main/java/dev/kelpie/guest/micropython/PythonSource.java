package dev.kelpie.guest.micropython;

import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Python actor's source as a module carries it: MicroPython's {@code micropython.wasm} (the bundle's
 * resource, wasm-modules/python, with its declared initial memory lowered: {@link #INITIAL_PAGES}) followed by one custom section named {@value #SECTION} whose content is
 * the file name, a newline and the UTF-8 source. Appending a custom section leaves the interpreter's code
 * untouched, so the module's identity (SHA-256 of its bytes) is that of interpreter plus source and the
 * registry compiles the interpreter once for every Python actor.
 *
 * @param name the file name, as tracebacks show it
 * @param code the UTF-8 source
 */
record PythonSource(String name, byte[] code) {
    /** The custom section holding the source. */
    static final String SECTION = "kelpie.python";
    /** Longest file name kept (longer ones are cut). */
    static final int MAX_NAME_CHARS = 128;

    /**
     * The initial memory, in pages, declared by the interpreter modules this class makes: Emscripten declared
     * 259 pages (its 16 MiB default) though the stack and static data end below 183 KiB (3 pages); the rest
     * grows on demand through {@code emscripten_resize_heap}, so an activation starts at 4 pages.
     */
    static final int INITIAL_PAGES = 4;
    private static final byte[] INTERPRETER = withInitialPages(resource("micropython.wasm"), INITIAL_PAGES);
    private static final byte[] PRELUDE = resource("prelude.py");

    /** The interpreter's bytes (not copied: do not modify). */
    static byte[] interpreter() {
        return INTERPRETER;
    }

    /** The prelude (the kelpie module and the dispatcher). */
    static byte[] prelude() {
        return PRELUDE;
    }

    /**
     * The module for a source: the interpreter plus the source's custom section.
     *
     * @throws ModuleRejectedException when the source is empty, not UTF-8 or contains a NUL
     */
    static byte[] module(String fileName, byte[] source) {
        String label = fileName == null || fileName.isBlank() ? "unnamed.py" : fileName;
        if (source == null || source.length == 0) {
            throw new ModuleRejectedException(label, Reason.EMPTY, "the Python source is empty");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(source));
        } catch (CharacterCodingException e) {
            throw new ModuleRejectedException(label, Reason.MALFORMED, "the Python source is not valid UTF-8");
        }
        for (int i = 0; i < source.length; i++) {
            if (source[i] == 0) {
                throw new ModuleRejectedException(label, Reason.MALFORMED, "the Python source contains a NUL byte at"
                        + " offset " + i);
            }
        }
        String name = baseName(label);
        byte[] sectionName = SECTION.getBytes(StandardCharsets.UTF_8);
        byte[] header = (name + "\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        writeLeb(content, sectionName.length);
        content.writeBytes(sectionName);
        content.writeBytes(header);
        content.writeBytes(source);
        ByteArrayOutputStream out = new ByteArrayOutputStream(INTERPRETER.length + content.size() + 8);
        out.writeBytes(INTERPRETER);
        out.write(0); // custom section
        writeLeb(out, content.size());
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    /** The source in the content of a module's {@value #SECTION} section. */
    static PythonSource of(byte[] content) {
        int newline = 0;
        while (newline < content.length && content[newline] != '\n') {
            newline++;
        }
        String name = new String(content, 0, newline, StandardCharsets.UTF_8);
        byte[] code = newline < content.length ? Arrays.copyOfRange(content, newline + 1, content.length) : new byte[0];
        return new PythonSource(name.isEmpty() ? "actor.py" : name, code);
    }

    /** The last path element, without characters a traceback line would garble, at most 128 characters. */
    static String baseName(String fileName) {
        String base = fileName.substring(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < base.length() && out.length() < MAX_NAME_CHARS; i++) {
            char c = base.charAt(i);
            out.append(c < 0x20 || c == '"' || c == 0x7f ? '_' : c);
        }
        return out.length() == 0 ? "actor.py" : out.toString();
    }

    /**
     * The module with its memory's declared initial size lowered to {@code pages}, written in the bytes the old
     * value took (a padded LEB128), so nothing else moves. Unchanged when it has no single memory or declares
     * fewer pages already.
     */
    static byte[] withInitialPages(byte[] wasm, int pages) {
        byte[] out = wasm.clone();
        int at = 8;
        while (at < out.length) {
            int id = out[at++] & 0xff;
            long[] size = leb(out, at);
            at = (int) size[1];
            if (id == 5) {
                long[] count = leb(out, at);
                int flags = out[(int) count[1]] & 0xff;
                int initialAt = (int) count[1] + 1;
                long[] initial = leb(out, initialAt);
                int width = (int) initial[1] - initialAt;
                if (count[0] != 1 || (flags & ~1) != 0 || initial[0] <= pages || pages >= 1 << (7 * width)) {
                    return out;
                }
                for (int i = 0; i < width; i++) {
                    int bits = (pages >>> (7 * i)) & 0x7f;
                    out[initialAt + i] = (byte) (i < width - 1 ? bits | 0x80 : bits);
                }
                return out;
            }
            at += (int) size[0];
        }
        return out;
    }

    /** An unsigned LEB128 at {@code at}: its value and the offset after it. */
    private static long[] leb(byte[] bytes, int at) {
        long value = 0;
        int shift = 0;
        int p = at;
        int b;
        do {
            b = bytes[p++] & 0xff;
            value |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return new long[] {value, p};
    }

    private static void writeLeb(ByteArrayOutputStream out, int value) {
        int v = value;
        do {
            int b = v & 0x7f;
            v >>>= 7;
            out.write(v == 0 ? b : b | 0x80);
        } while (v != 0);
    }

    private static byte[] resource(String name) {
        try (InputStream in = PythonSource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the bundle lacks its resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundle's resource " + name, e);
        }
    }
}
