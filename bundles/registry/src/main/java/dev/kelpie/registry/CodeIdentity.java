package dev.kelpie.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of what a module runs: the SHA-256 of its bytes without custom sections. Modules that differ
 * only in custom sections (a Python actor is MicroPython plus its source in one) share one compiled
 * machine factory. Called on bytes {@link BinaryPrecheck} accepted.
 */
final class CodeIdentity {
    private CodeIdentity() {}

    static String of(byte[] bytes) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        digest.update(bytes, 0, 8);
        int at = 8;
        while (at < bytes.length) {
            int start = at;
            int id = bytes[at++] & 0xff;
            long size = 0;
            int shift = 0;
            int b;
            do {
                b = bytes[at++] & 0xff;
                size |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            int end = (int) Math.min(bytes.length, at + size);
            if (id != 0) {
                digest.update(bytes, start, end - start);
            }
            at = end;
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
