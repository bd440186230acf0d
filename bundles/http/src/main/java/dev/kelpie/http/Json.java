package dev.kelpie.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;

/**
 * A small streaming JSON writer: objects, arrays, strings, numbers, booleans and null, written straight to a
 * {@link Writer} so that a long listing never sits in memory whole. Every string is escaped: quote,
 * backslash, every control character, U+2028/U+2029 and unpaired surrogates (written as {@code \\uXXXX}),
 * so the output is valid JSON whatever text a guest, a module name or an error message holds.
 */
final class Json {
    private final Writer out;
    /** Per open container: whether a value was written in it yet (for commas). */
    private final Deque<boolean[]> open = new ArrayDeque<>();
    private boolean afterName;

    Json(Writer out) {
        this.out = out;
    }

    /** The text of a JSON string literal for {@code s} (quoted and escaped). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        appendQuoted(b, s);
        return b.toString();
    }

    Json beginObject() {
        beforeValue();
        write("{");
        open.push(new boolean[1]);
        return this;
    }

    Json endObject() {
        open.pop();
        write("}");
        return this;
    }

    Json beginArray() {
        beforeValue();
        write("[");
        open.push(new boolean[1]);
        return this;
    }

    Json endArray() {
        open.pop();
        write("]");
        return this;
    }

    /** The name of the next member of the open object. */
    Json name(String name) {
        beforeValue();
        write(quote(name));
        write(":");
        afterName = true;
        return this;
    }

    Json value(String s) {
        beforeValue();
        write(s == null ? "null" : quote(s));
        return this;
    }

    Json value(long n) {
        beforeValue();
        write(Long.toString(n));
        return this;
    }

    Json value(boolean b) {
        beforeValue();
        write(b ? "true" : "false");
        return this;
    }

    Json field(String name, String s) {
        return name(name).value(s);
    }

    Json field(String name, long n) {
        return name(name).value(n);
    }

    Json field(String name, boolean b) {
        return name(name).value(b);
    }

    Json field(String name, Collection<String> strings) {
        name(name).beginArray();
        for (String s : strings) {
            value(s);
        }
        return endArray();
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        boolean[] container = open.peek();
        if (container != null) {
            if (container[0]) {
                write(",");
            }
            container[0] = true;
        }
    }

    private void write(String s) {
        try {
            out.write(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void appendQuoted(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || unpairedSurrogate(s, i)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    private static boolean unpairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }
}
