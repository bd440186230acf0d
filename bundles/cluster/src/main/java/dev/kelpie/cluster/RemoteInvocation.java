package dev.kelpie.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * A message routed to the member that owns its actor: the actor's type and id, the operation, the payload
 * and how long the sender still waits. Runs on the owner's executor {@value HazelcastConfigs#CALLS}.
 */
public final class RemoteInvocation implements Callable<RemoteReply>, DataSerializable, HazelcastInstanceAware {
    private String type;
    private String id;
    private String operation;
    private byte[] payload;
    private long waitMillis;
    private transient HazelcastInstance hazelcast;

    /** For deserialization. */
    public RemoteInvocation() {
    }

    RemoteInvocation(String type, String id, String operation, byte[] payload, long waitMillis) {
        this.type = type;
        this.id = id;
        this.operation = operation;
        this.payload = payload;
        this.waitMillis = waitMillis;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public RemoteReply call() {
        ClusterNode node = ClusterNode.of(hazelcast);
        if (node == null) {
            return RemoteReply.failed(Reason.UNAVAILABLE, "member " + hazelcast.getCluster().getLocalMember().getAddress()
                    + " does not serve actors (it is starting or stopping)");
        }
        return node.serve(type, id, operation, payload, waitMillis);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(type);
        out.writeString(id);
        out.writeString(operation);
        out.writeByteArray(payload);
        out.writeLong(waitMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        type = in.readString();
        id = in.readString();
        operation = in.readString();
        payload = in.readByteArray();
        waitMillis = in.readLong();
    }
}
