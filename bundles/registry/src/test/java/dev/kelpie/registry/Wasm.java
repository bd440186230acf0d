package dev.kelpie.registry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Test helper: assembles WebAssembly binaries byte by byte, declared counts and lengths as given. */
final class Wasm {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Wasm bytes() {
        return new Wasm();
    }

    /** Magic, version 1, then the sections. */
    static byte[] module(byte[]... sections) {
        Wasm m = bytes().raw(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
        for (byte[] s : sections) {
            m.out.writeBytes(s);
        }
        return m.done();
    }

    /** A section with its id and the size of its content. */
    static byte[] section(int id, Wasm content) {
        byte[] c = content.done();
        return bytes().raw(id).u32(c.length).raw(c).done();
    }

    Wasm raw(int... values) {
        for (int v : values) {
            out.write(v);
        }
        return this;
    }

    Wasm raw(byte[] values) {
        out.writeBytes(values);
        return this;
    }

    Wasm u32(long value) {
        Mutator.writeU32(out, value);
        return this;
    }

    Wasm name(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        return u32(utf8.length).raw(utf8);
    }

    /** Repeats {@code item} {@code times} times. */
    Wasm repeat(int times, int... item) {
        for (int i = 0; i < times; i++) {
            raw(item);
        }
        return this;
    }

    byte[] done() {
        return out.toByteArray();
    }

    /** Type section with one type {@code () -> ()}. */
    static byte[] voidType() {
        return section(1, bytes().u32(1).raw(0x60, 0, 0));
    }

    /** Function section: {@code n} functions of type 0. */
    static byte[] functions(int n) {
        return section(3, bytes().u32(n).repeat(n, 0));
    }

    /** Code section with one body: its bytes after the body size. */
    static byte[] code(Wasm body) {
        byte[] b = body.done();
        return section(10, bytes().u32(1).u32(b.length).raw(b));
    }
}
