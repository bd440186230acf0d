package dev.kelpie.cluster.state.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens an actor's record for a new activation on the partition owner: the epoch goes up by one
 * (atomically: the owner runs one processor of a key at a time), the member of the activation is noted,
 * and the record (with the state, for the activation's cache) is answered.
 */
public final class OpenProcessor extends RecordProcessor {
    private static final long serialVersionUID = 1L;

    private String activation;

    /** For deserialization only. */
    public OpenProcessor() {}

    /** @param activation the member (host:port) of the new activation */
    public OpenProcessor(String activation) {
        this.activation = activation;
    }

    @Override
    public Outcome process(Map.Entry<String, StateRecord> entry) {
        StateRecord current = entry.getValue();
        StateRecord opened = current == null
                ? new StateRecord(1, 0, activation, new TreeMap<>())
                : current.opened(current.epoch() + 1, activation);
        install(entry, opened);
        return new Outcome(Outcome.Kind.OK, opened.epoch(), opened.version(), activation, "", opened);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(activation);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        activation = in.readString();
    }
}
