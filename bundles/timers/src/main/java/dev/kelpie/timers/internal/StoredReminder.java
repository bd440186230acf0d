package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How a reminder is kept in the state store: all reminders are state of the one store entry
 * {@link #STORE_ACTOR} ({@code kelpie.reminders:all}), under the key {@code <type>:<id>/<name>}; the value is
 * a version byte, the operation, the due time (epoch ms), the period (ms) and the payload.
 */
final class StoredReminder {
    /** The store's "actor" holding every reminder. No actor type of this name should be deployed. */
    static final ActorId STORE_ACTOR = new ActorId("kelpie.reminders", "all");
    private static final int VERSION = 1;

    private StoredReminder() {}

    static String key(ActorId actor, String name) {
        return actor + "/" + name;
    }

    /** The actor and name of a key, or null when the key is not a reminder's. */
    static Object[] parseKey(String key) {
        int slash = key.lastIndexOf('/');
        if (slash < 0) {
            return null;
        }
        try {
            return new Object[] {ActorId.parse(key.substring(0, slash)), key.substring(slash + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static byte[] encode(String operation, long dueMillis, long periodMillis, byte[] payload) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + operation.length() + payload.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(operation);
            out.writeLong(dueMillis);
            out.writeLong(periodMillis);
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decoded value. */
    record Value(String operation, long dueMillis, long periodMillis, byte[] payload) {}

    /** The value, or null when it is not one this version wrote. */
    static Value decode(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readUnsignedByte() != VERSION) {
                return null;
            }
            String operation = in.readUTF();
            long due = in.readLong();
            long period = in.readLong();
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                return null;
            }
            return new Value(operation, due, period, in.readNBytes(length));
        } catch (IOException e) {
            return null;
        }
    }
}
