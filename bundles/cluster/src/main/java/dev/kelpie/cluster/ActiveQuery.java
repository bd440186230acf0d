package dev.kelpie.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.kelpie.api.actor.ActorId;
import java.io.IOException;
import java.util.concurrent.Callable;

/** Asks a member whether an actor is active there (for {@code kelpie:where}). */
public final class ActiveQuery implements Callable<Boolean>, DataSerializable, HazelcastInstanceAware {
    private String actor;
    private transient HazelcastInstance hazelcast;

    /** For deserialization. */
    public ActiveQuery() {
    }

    ActiveQuery(ActorId actor) {
        this.actor = actor.toString();
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public Boolean call() {
        ClusterNode node = ClusterNode.of(hazelcast);
        return node != null && node.isActiveHere(ActorId.parse(actor));
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(actor);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        actor = in.readString();
    }
}
