package dev.kelpie.api.module;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/** A module's identity: the SHA-256 of its bytes, as 64 lower-case hex digits. */
public final class ModuleHash implements Comparable<ModuleHash> {
    private static final HexFormat HEX = HexFormat.of();
    private final String hex;

    private ModuleHash(String hex) {
        this.hex = hex;
    }

    /** Parses a full 64-digit hash; rejects anything else with a message naming the input. */
    public static ModuleHash parse(String hex) {
        Objects.requireNonNull(hex, "module hash");
        String h = hex.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.length() != 64 || !h.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a SHA-256 module hash (64 hex digits): '" + hex + "'");
        }
        return new ModuleHash(h);
    }

    /** Wraps a 32-byte digest. */
    public static ModuleHash of(byte[] sha256) {
        if (sha256 == null || sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes");
        }
        return new ModuleHash(HEX.formatHex(sha256));
    }

    /** The identity of these module bytes: their SHA-256. */
    public static ModuleHash sha256(byte[] moduleBytes) {
        try {
            return of(MessageDigest.getInstance("SHA-256").digest(moduleBytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    public String hex() {
        return hex;
    }

    /** The first 12 hex digits, for logs and tables. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleHash && ((ModuleHash) o).hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public int compareTo(ModuleHash o) {
        return hex.compareTo(o.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
