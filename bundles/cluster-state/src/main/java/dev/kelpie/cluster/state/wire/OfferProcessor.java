package dev.kelpie.cluster.state.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * Offers a record from a member's local copy to the map (a restart): installed when the map has none or
 * an older one (lower epoch, or the same epoch and a lower version), else ignored.
 */
public final class OfferProcessor extends RecordProcessor {
    private static final long serialVersionUID = 1L;

    private StateRecord record;

    /** For deserialization only. */
    public OfferProcessor() {}

    public OfferProcessor(StateRecord record) {
        this.record = record;
    }

    @Override
    public Outcome process(Map.Entry<String, StateRecord> entry) {
        StateRecord current = entry.getValue();
        if (!record.newerThan(current)) {
            return new Outcome(Outcome.Kind.IGNORED, current.epoch(), current.version(), current.activation(), "", null);
        }
        install(entry, record);
        return new Outcome(Outcome.Kind.OK, record.epoch(), record.version(), record.activation(), "", null);
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
