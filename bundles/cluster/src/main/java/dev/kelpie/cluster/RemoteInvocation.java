package dev.kelpie.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A message routed to the member that owns its actor: the actor's type and id, the operation, the payload,
 * the chain of actors waiting for it (so the owner refuses a call back into one of them with CALL_CYCLE) and
 * how long the sender still waits. Runs on the owner's executor {@value HazelcastConfigs#CALLS}.
 */
public final class RemoteInvocation implements Callable<RemoteReply>, DataSerializable, HazelcastInstanceAware {
    /** The longest call chain a routed message may carry (the sender checks it; read before anything is allocated). */
    static final int MAX_CALL_CHAIN = 1024;

    private String type;
    private String id;
    private String operation;
    private byte[] payload;
    private List<ActorId> callChain;
    private long waitMillis;
    private transient HazelcastInstance hazelcast;

    /** For deserialization. */
    public RemoteInvocation() {
    }

    RemoteInvocation(String type, String id, String operation, byte[] payload, List<ActorId> callChain, long waitMillis) {
        this.type = type;
        this.id = id;
        this.operation = operation;
        this.payload = payload;
        this.callChain = callChain;
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
        return node.serve(type, id, operation, payload, callChain, waitMillis);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(type);
        out.writeString(id);
        out.writeString(operation);
        out.writeByteArray(payload);
        out.writeInt(callChain.size());
        for (ActorId a : callChain) {
            out.writeString(a.namespace());
            out.writeString(a.id());
        }
        out.writeLong(waitMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        type = in.readString();
        id = in.readString();
        operation = in.readString();
        payload = in.readByteArray();
        int n = in.readInt();
        if (n < 0 || n > MAX_CALL_CHAIN) {
            throw new IOException("a message routed to actor " + type + ":" + id + " carries a call chain of " + n
                    + " actors; at most " + MAX_CALL_CHAIN + " are read");
        }
        List<ActorId> chain = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String t = in.readString();
            String actor = in.readString();
            try {
                chain.add(new ActorId(t, actor));
            } catch (IllegalArgumentException e) {
                throw new IOException("a message routed to actor " + type + ":" + id + " carries an invalid actor in its"
                        + " call chain: " + e.getMessage());
            }
        }
        callChain = List.copyOf(chain);
        waitMillis = in.readLong();
    }
}
