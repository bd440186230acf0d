package dev.kelpie.cluster.state.wire;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.serialization.DataSerializable;
import java.util.Map;

/**
 * Base of the entry processors on {@code kelpie.state}: they run on the partition owner (and their backup
 * on each backup member, synchronously), and whatever record they install they first write to the
 * member's local copy ({@link LocalCopies}). Hazelcast injects the member they run on.
 */
abstract class RecordProcessor implements EntryProcessor<String, StateRecord, Outcome>, DataSerializable,
        HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;

    private transient HazelcastInstance member;
    /** The record this processor installed on the owner, for its backup; null when it changed nothing. */
    transient StateRecord installed;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.member = hazelcastInstance;
    }

    /** Writes the record to this member's local copy, then stores it in the entry. */
    final void install(Map.Entry<String, StateRecord> entry, StateRecord record) {
        LocalCopies.LocalCopy copy = localCopy();
        if (copy != null) {
            copy.write(entry.getKey(), record);
        }
        entry.setValue(record);
        installed = record;
    }

    /** The local copy of the member this runs on, or null. */
    final LocalCopies.LocalCopy localCopy() {
        return member == null ? null : LocalCopies.of(member.getName());
    }

    @Override
    public EntryProcessor<String, StateRecord, Outcome> getBackupProcessor() {
        return installed == null ? null : new SetBackup(installed);
    }

    /** The member's address as host:port. */
    final String memberName() {
        if (member == null) {
            return "?";
        }
        com.hazelcast.cluster.Address a = member.getCluster().getLocalMember().getAddress();
        return a.getHost() + ":" + a.getPort();
    }
}
