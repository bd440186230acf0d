package dev.kelpie.cluster.state.wire;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * The backup of every record processor: stores the record the owner installed on a backup member and
 * writes it to that member's local copy. A failure of the local write there is thrown (Hazelcast logs it);
 * the in-memory backup is stored first, so backups never lag the owner because of a disk.
 */
public final class SetBackup extends RecordProcessor {
    private static final long serialVersionUID = 1L;

    private StateRecord record;

    /** For deserialization only. */
    public SetBackup() {}

    SetBackup(StateRecord record) {
        this.record = record;
    }

    @Override
    public Outcome process(Map.Entry<String, StateRecord> entry) {
        entry.setValue(record);
        LocalCopies.LocalCopy copy = localCopy();
        if (copy != null) {
            copy.write(entry.getKey(), record);
        }
        return null;
    }

    @Override
    public EntryProcessor<String, StateRecord, Outcome> getBackupProcessor() {
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        record.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        record = new StateRecord();
        record.readData(in);
    }
}
