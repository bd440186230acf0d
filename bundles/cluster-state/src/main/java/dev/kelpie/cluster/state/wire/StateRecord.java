package dev.kelpie.cluster.state.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One actor's record in the map {@code kelpie.state}: its epoch (the newest activation's fence token), a
 * version counting the commits applied, the member of the newest activation, and the actor's key/values.
 * Immutable: every change makes a new record. Its byte form ({@link #toBytes}) is what members write to
 * their local store and what {@link DataSerializable} sends.
 */
public final class StateRecord implements DataSerializable {
    private static final int FORMAT = 1;
    /** Bytes a record counts per key beyond its key and value (lengths and map overhead, roughly). */
    static final int PER_KEY_OVERHEAD = 8;

    private long epoch;
    private long version;
    private String activation;
    private NavigableMap<String, byte[]> values;
    private long bytes;

    /** For deserialization only. */
    public StateRecord() {
        this(0, 0, "", Collections.emptyNavigableMap());
    }

    public StateRecord(long epoch, long version, String activation, NavigableMap<String, byte[]> values) {
        this.epoch = epoch;
        this.version = version;
        this.activation = activation == null ? "" : activation;
        this.values = Collections.unmodifiableNavigableMap(values);
        this.bytes = sizeOf(values);
    }

    public long epoch() {
        return epoch;
    }

    public long version() {
        return version;
    }

    /** The member that opened the newest epoch (host:port), or empty. */
    public String activation() {
        return activation;
    }

    /** The actor's state, read-only; values must not be changed. */
    public NavigableMap<String, byte[]> values() {
        return values;
    }

    /** The record's size as counted against {@code max_record_bytes}: keys (UTF-8) and values. */
    public long bytes() {
        return bytes;
    }

    /** A record of the next epoch, opened on {@code member}, with the same state and version. */
    public StateRecord opened(long newEpoch, String member) {
        return new StateRecord(newEpoch, version, member, new TreeMap<>(values));
    }

    /** The record with {@code changes} applied (null value: delete) and the version one higher. */
    public StateRecord applied(Map<String, byte[]> changes) {
        TreeMap<String, byte[]> next = new TreeMap<>(values);
        applyTo(next, changes);
        return new StateRecord(epoch, version + 1, activation, next);
    }

    /** Applies changes to a map of state (null value: delete); the values are kept as they are. */
    public static void applyTo(Map<String, byte[]> state, Map<String, byte[]> changes) {
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            if (c.getValue() == null) {
                state.remove(c.getKey());
            } else {
                state.put(c.getKey(), c.getValue());
            }
        }
    }

    /** Whether this record is newer than {@code other}: a higher epoch, or the same epoch and a higher version. */
    public boolean newerThan(StateRecord other) {
        return other == null || epoch > other.epoch || epoch == other.epoch && version > other.version;
    }

    /** Bytes of keys (UTF-8) and values of a state map, as counted against {@code max_record_bytes}. */
    public static long sizeOf(Map<String, byte[]> state) {
        long n = 0;
        for (Map.Entry<String, byte[]> e : state.entrySet()) {
            n += utf8Length(e.getKey()) + (e.getValue() == null ? 0 : e.getValue().length) + PER_KEY_OVERHEAD;
        }
        return n;
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The byte form: format, epoch, version, activation, count, then key and value of each entry. */
    public byte[] toBytes() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes + 64));
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(FORMAT);
            out.writeLong(epoch);
            out.writeLong(version);
            out.writeUTF(activation);
            out.writeInt(values.size());
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeInt(k.length);
                out.write(k);
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /**
     * A record from its byte form; lengths are checked against what is left, so a corrupt copy fails with
     * an exception naming the problem rather than allocating what it claims.
     *
     * @throws IllegalArgumentException when the bytes are not a record
     */
    public static StateRecord fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown record format " + format);
            }
            long epoch = in.readLong();
            long version = in.readLong();
            String activation = in.readUTF();
            int count = in.readInt();
            if (count < 0 || count > data.length) {
                throw new IllegalArgumentException("record claims " + count + " keys in " + data.length + " bytes");
            }
            TreeMap<String, byte[]> values = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                String key = new String(readBlock(in, data.length), StandardCharsets.UTF_8);
                values.put(key, readBlock(in, data.length));
            }
            return new StateRecord(epoch, version, activation, values);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record of " + data.length + " bytes: " + e, e);
        }
    }

    private static byte[] readBlock(DataInputStream in, int total) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available() || n > total) {
            throw new IllegalArgumentException("record entry claims " + n + " bytes, " + in.available() + " left");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByteArray(toBytes());
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        byte[] data = in.readByteArray();
        StateRecord r = fromBytes(data == null ? new byte[0] : data);
        this.epoch = r.epoch;
        this.version = r.version;
        this.activation = r.activation;
        this.values = r.values;
        this.bytes = r.bytes;
    }

    @Override
    public String toString() {
        return "record(epoch " + epoch + ", version " + version + ", " + values.size() + " keys, " + bytes + " bytes"
                + (activation.isEmpty() ? "" : ", opened on " + activation) + ")";
    }
}
