package dev.kelpie.guest.micropython;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
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
 * resource, wasm-modules/python) followed by one custom section named {@value #SECTION} whose content is
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

    private static final byte[] INTERPRETER = resource("micropython.wasm");
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

    /** The source a module carries, or null when it carries none (the bare interpreter). */
    static PythonSource of(WasmModule module) {
        CustomSection section = module.customSection(SECTION);
        if (!(section instanceof UnknownCustomSection)) {
            return null;
        }
        byte[] content = ((UnknownCustomSection) section).bytes();
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
