package dev.kelpie.registry;

import dev.kelpie.api.module.ModuleHash;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One module's compiled code as stored in the compile cache and in module bundles: a self-checking
 * envelope around the JVM classes Chicory's compiler emitted (its own jar of them).
 *
 * <pre>
 * "KELPIE-CODE" u8:format  u16:n identity(UTF-8, n bytes)  32:module SHA-256  u32:n classes(n bytes)  32:SHA-256 of all before
 * </pre>
 *
 * An envelope is trusted only when the checksum holds, the module hash is the one asked for and the
 * identity is the running compiler's ({@link CompilerIdentity}); anything else (truncated, flipped,
 * another module's, another compiler's) is refused with the reason, and the module is compiled.
 */
final class CompiledCode {
    /** The suffix of a module's compiled code beside it in a module bundle: {@code wasm/x.wasm.compiled}. */
    static final String BUNDLE_SUFFIX = ".compiled";
    static final byte FORMAT = 1;
    private static final byte[] MAGIC = "KELPIE-CODE".getBytes(StandardCharsets.US_ASCII);
    private static final int HASH = 32;
    private static final int MAX_IDENTITY = 1024;

    private CompiledCode() {}

    /** An envelope refused, with why. */
    static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** Wraps Chicory's classes for a module under an identity. */
    static byte[] wrap(ModuleHash module, String identity, byte[] classes) {
        try {
            byte[] id = identity.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream buf = new ByteArrayOutputStream(classes.length + id.length + 128);
            DataOutputStream out = new DataOutputStream(buf);
            out.write(MAGIC);
            out.writeByte(FORMAT);
            out.writeShort(id.length);
            out.write(id);
            out.write(hashBytes(module));
            out.writeInt(classes.length);
            out.write(classes);
            out.flush();
            out.write(sha256(buf.toByteArray(), buf.size()));
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
    }

    /**
     * Unwraps an envelope, returning Chicory's classes.
     *
     * @throws Refused when the envelope is damaged or not for this module and compiler
     */
    static byte[] unwrap(byte[] envelope, ModuleHash module, String identity) throws Refused {
        int min = MAGIC.length + 1 + 2 + HASH + 4 + HASH;
        if (envelope == null || envelope.length < min) {
            throw new Refused("truncated (" + (envelope == null ? 0 : envelope.length) + " bytes)");
        }
        int end = envelope.length - HASH;
        byte[] expected = sha256(envelope, end);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(envelope, end, envelope.length))) {
            throw new Refused("checksum mismatch (damaged or truncated)");
        }
        ByteBuffer in = ByteBuffer.wrap(envelope, 0, end);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new Refused("not a Kelpie compiled-code entry");
        }
        byte format = in.get();
        if (format != FORMAT) {
            throw new Refused("format " + format + ", this registry reads format " + FORMAT);
        }
        int idLength = Short.toUnsignedInt(in.getShort());
        if (idLength > MAX_IDENTITY || idLength > in.remaining()) {
            throw new Refused("identity of " + idLength + " bytes");
        }
        byte[] id = new byte[idLength];
        in.get(id);
        String entryIdentity = new String(id, StandardCharsets.UTF_8);
        if (!entryIdentity.equals(identity)) {
            throw new Refused("compiled by another compiler (" + entryIdentity + "), this one is " + identity);
        }
        if (in.remaining() < HASH + 4) {
            throw new Refused("truncated header");
        }
        byte[] hash = new byte[HASH];
        in.get(hash);
        if (!Arrays.equals(hash, hashBytes(module))) {
            throw new Refused("code of another module (" + ModuleHash.of(hash).shortHex() + ")");
        }
        int length = in.getInt();
        if (length < 0 || length != in.remaining()) {
            throw new Refused("declares " + length + " bytes of classes, holds " + in.remaining());
        }
        byte[] classes = new byte[length];
        in.get(classes);
        return classes;
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, 0, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    private static byte[] hashBytes(ModuleHash hash) {
        return HexFormat.of().parseHex(hash.hex());
    }
}
