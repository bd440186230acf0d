package dev.kelpie.wapc;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers. */
final class Utf8 {
    private Utf8() {}

    /** Bytes cut at an arbitrary length, as text: a character the cut split at the end is left out. */
    static String prefix(byte[] bytes) {
        int end = bytes.length;
        int start = end - 1;
        while (start >= 0 && start > end - 4 && (bytes[start] & 0xC0) == 0x80) {
            start--; // back over continuation bytes (10xxxxxx) to the last character's first byte
        }
        if (start >= 0) {
            int lead = bytes[start] & 0xFF;
            int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (end - start < needed) {
                end = start;
            }
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
