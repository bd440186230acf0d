package dev.kelpie.cluster.state.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies one turn's changes to an actor's record on the partition owner, if the turn's activation still
 * holds the record: a commit from an older epoch is refused (STALE), one from an epoch the record has not
 * reached (it was lost, or restored from an older copy) too (LOST). The record's version goes up by one;
 * the new record is written to the member's local copy before it is stored, and to each backup's.
 */
public final class CommitProcessor extends RecordProcessor {
    private static final long serialVersionUID = 1L;
    /** The epoch of a commit that is not fenced (made without an activation, such as a health probe). */
    public static final long UNFENCED = -1;

    private long epoch;
    private LinkedHashMap<String, byte[]> changes;
    private long maxRecordBytes;

    /** For deserialization only. */
    public CommitProcessor() {}

    public CommitProcessor(long epoch, Map<String, byte[]> changes, long maxRecordBytes) {
        this.epoch = epoch;
        this.changes = new LinkedHashMap<>(changes);
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public Outcome process(Map.Entry<String, StateRecord> entry) {
        StateRecord current = entry.getValue();
        if (current == null) {
            if (epoch != UNFENCED) {
                return new Outcome(Outcome.Kind.LOST, 0, 0, "", "the map holds no record of the actor", null);
            }
            current = new StateRecord(0, 0, "", new java.util.TreeMap<>());
        } else if (epoch != UNFENCED && current.epoch() > epoch) {
            return new Outcome(Outcome.Kind.STALE, current.epoch(), current.version(), current.activation(), "", null);
        } else if (epoch != UNFENCED && current.epoch() < epoch) {
            return new Outcome(Outcome.Kind.LOST, current.epoch(), current.version(), current.activation(),
                    "the map's record is of epoch " + current.epoch() + ", older than the activation's", null);
        }
        StateRecord next = current.applied(changes);
        if (next.bytes() > maxRecordBytes) {
            return new Outcome(Outcome.Kind.TOO_LARGE, current.epoch(), current.version(), current.activation(),
                    "the actor's state would be " + next.bytes() + " bytes (keys and values), over the limit of "
                            + maxRecordBytes + " bytes (max_record_bytes)", null);
        }
        install(entry, next);
        return new Outcome(Outcome.Kind.OK, next.epoch(), next.version(), memberName(), "", null);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeLong(maxRecordBytes);
        out.writeInt(changes.size());
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            out.writeString(c.getKey());
            out.writeByteArray(c.getValue());
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
        maxRecordBytes = in.readLong();
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative change count " + n);
        }
        changes = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            changes.put(in.readString(), in.readByteArray());
        }
    }
}
