package dev.kelpie.registry;

import dev.kelpie.api.wasm.ChicoryModule;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.module.CompiledModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/** Test helper: the committed guest modules and small hand-assembled ones. */
final class TestModules {
    static final String RUST = "/wasm/rust/testbed.wasm";
    static final String ASSEMBLYSCRIPT = "/wasm/assemblyscript/testbed.wasm";

    /**
     * Well-formed but invalid: the body leaves an i64 where the function type promises an i32.
     * <pre>
     * (module
     *   (func (export "f") (result i32)
     *     (i64.const 0)))
     * </pre>
     * Assembled with {@code wat2wasm --no-check}.
     */
    static final byte[] WRONG_RETURN_TYPE = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> (i32)
        0x03, 0x02, 0x01, 0x00, // function section: func 0 has type 0
        0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export section: "f" = func 0
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b // code: no locals, i64.const 0, end
    };

    /**
     * Well-formed but invalid: a call to function index 5 in a module with one function.
     * <pre>
     * (module (func (call 5)))
     * </pre>
     */
    static final byte[] CALL_TO_MISSING_FUNCTION = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
        0x03, 0x02, 0x01, 0x00, // function section
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x05, 0x0b // code: call 5, end
    };

    /** The smallest valid module: magic and version, no sections. */
    static final byte[] EMPTY_MODULE = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

    private TestModules() {}

    static byte[] bytes(String resource) {
        try (InputStream in = TestModules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test module " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] wat(String name) {
        return bytes("/wasm/wat/" + name + ".wasm");
    }

    /** SHA-256 as lower-case hex, computed without ModuleHash. */
    static String sha256Hex(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder sb = new StringBuilder();
            for (byte b : digest) {
                sb.append(String.format("%02x", b & 0xff));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module with a custom section appended: same code, different bytes, different hash. */
    static byte[] withCustomSection(byte[] module, String name, byte[] payload) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        writeName(content, name);
        content.writeBytes(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(module);
        out.write(0); // custom section id
        writeU32(out, content.size());
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    /**
     * The module with one more, unused, function type {@code (i32 × params) -> ()} at the end of its type
     * section: different code (its own compile), same behaviour.
     */
    static byte[] withUnusedType(byte[] module, int params) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(module, 0, 8);
        int at = 8;
        while (at < module.length) {
            int id = module[at] & 0xff;
            int[] size = readU32(module, at + 1);
            int contentStart = size[1];
            int end = contentStart + size[0];
            if (id == 1) {
                int[] count = readU32(module, contentStart);
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                writeU32(content, count[0] + 1);
                content.write(module, count[1], end - count[1]);
                content.write(0x60);
                writeU32(content, params);
                for (int i = 0; i < params; i++) {
                    content.write(0x7f);
                }
                content.write(0);
                out.write(1);
                writeU32(out, content.size());
                out.writeBytes(content.toByteArray());
            } else {
                out.write(module, at, end - at);
            }
            at = end;
        }
        return out.toByteArray();
    }

    /** An unsigned LEB128 at {@code at}: its value and the offset after it. */
    private static int[] readU32(byte[] bytes, int at) {
        int value = 0;
        int shift = 0;
        int p = at;
        int b;
        do {
            b = bytes[p++] & 0xff;
            value |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return new int[] {value, p};
    }

    /** Payload of a {@code producers} custom section with one language and one processed-by tool. */
    static byte[] producers(String language, String languageVersion, String tool, String toolVersion) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeU32(out, 2);
        writeName(out, "language");
        writeU32(out, 1);
        writeName(out, language);
        writeName(out, languageVersion);
        writeName(out, "processed-by");
        writeU32(out, 1);
        writeName(out, tool);
        writeName(out, toolVersion);
        return out.toByteArray();
    }

    /** Offsets where a section ends (so a cut there leaves a module made of whole sections). */
    static TreeSet<Integer> sectionEnds(byte[] module) {
        TreeSet<Integer> ends = new TreeSet<>();
        int pos = 8;
        ends.add(pos);
        while (pos < module.length) {
            pos++; // id
            long size = 0;
            int shift = 0;
            int b;
            do {
                b = module[pos++] & 0xff;
                size |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            pos += (int) size;
            ends.add(pos);
        }
        return ends;
    }

    /** The nine {@code wapc} imports as host functions that do nothing. */
    static ImportValues noOpWapcImports() {
        List<HostFunction> fns = new ArrayList<>();
        fns.add(noOp("__host_call", Collections.nCopies(8, ValType.I32), List.of(ValType.I32)));
        fns.add(noOp("__host_error_len", List.of(), List.of(ValType.I32)));
        fns.add(noOp("__host_error", List.of(ValType.I32), List.of()));
        fns.add(noOp("__host_response_len", List.of(), List.of(ValType.I32)));
        fns.add(noOp("__host_response", List.of(ValType.I32), List.of()));
        fns.add(noOp("__console_log", List.of(ValType.I32, ValType.I32), List.of()));
        fns.add(noOp("__guest_request", List.of(ValType.I32, ValType.I32), List.of()));
        fns.add(noOp("__guest_response", List.of(ValType.I32, ValType.I32), List.of()));
        fns.add(noOp("__guest_error", List.of(ValType.I32, ValType.I32), List.of()));
        return ImportValues.builder().withFunctions(new ArrayList<>(fns)).build();
    }

    private static HostFunction noOp(String name, List<ValType> params, List<ValType> results) {
        return new HostFunction("wapc", name, FunctionType.of(params, results),
                (instance, args) -> results.isEmpty() ? null : new long[] {0});
    }

    /** An instance built with the module's own machine factory. */
    static Instance instantiate(CompiledModule module, ImportValues imports) {
        return Instance.builder(ChicoryModule.of(module).wasmModule())
                .withImportValues(imports)
                .withMachineFactory(ChicoryModule.of(module).machineFactory())
                .build();
    }

    static Instance instantiate(CompiledModule module) {
        return instantiate(module, ImportValues.builder().build());
    }

    private static void writeName(ByteArrayOutputStream out, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        writeU32(out, utf8.length);
        out.writeBytes(utf8);
    }

    private static void writeU32(ByteArrayOutputStream out, long value) {
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
