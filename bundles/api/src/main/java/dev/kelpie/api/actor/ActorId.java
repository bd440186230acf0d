package dev.kelpie.api.actor;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An actor's identity: its namespace, which is the name of its actor type, and its id within it. Both
 * use only {@code [A-Za-z0-9._-]}; the namespace is at most 128 bytes, the id at most 256. The text
 * form is {@code namespace:id}.
 */
public record ActorId(String namespace, String id) implements Comparable<ActorId> {
    public static final int MAX_NAMESPACE_BYTES = 128;
    public static final int MAX_ID_BYTES = 256;

    public ActorId {
        check("namespace", namespace, MAX_NAMESPACE_BYTES);
        check("id", id, MAX_ID_BYTES);
    }

    public static ActorId of(String namespace, String id) {
        return new ActorId(namespace, id);
    }

    /** Parses {@code namespace:id}. */
    public static ActorId parse(String text) {
        Objects.requireNonNull(text, "actor id text");
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("actor id '" + text + "' is not of the form namespace:id");
        }
        return new ActorId(text.substring(0, colon), text.substring(colon + 1));
    }

    /** Checks one part; the message names the part, the value and the rule it breaks. */
    static void check(String part, String value, int maxBytes) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("actor " + part + " must not be empty");
        }
        if (value.length() > maxBytes || value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new IllegalArgumentException("actor " + part + " is " + value.getBytes(StandardCharsets.UTF_8).length
                    + " bytes, over the limit of " + maxBytes + " bytes: '" + abbreviate(value) + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("actor " + part + " '" + abbreviate(value) + "' has the character '"
                        + (Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c))
                        + "' at " + i + "; allowed are A-Z a-z 0-9 . _ -");
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** The actor type's name: the namespace. */
    public String type() {
        return namespace;
    }

    /**
     * The record's own equality, written out: the generated one links through {@code invokedynamic} at its
     * first call (method handles spun in a fresh JVM, milliseconds of the first message after a start).
     */
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ActorId && namespace.equals(((ActorId) o).namespace) && id.equals(((ActorId) o).id);
    }

    /** The record's own hash ({@code 31 * namespace.hashCode() + id.hashCode()}), written out as {@link #equals} is. */
    @Override
    public int hashCode() {
        return 31 * namespace.hashCode() + id.hashCode();
    }

    @Override
    public int compareTo(ActorId o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : id.compareTo(o.id);
    }

    @Override
    public String toString() {
        return namespace + ":" + id;
    }
}
