package dev.kelpie.cluster.state.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;

/** What an entry processor on the partition owner answers: done (with the record or its version) or why not. */
public final class Outcome implements DataSerializable {
    /** The kinds of answer. */
    public enum Kind {
        /** Applied; {@link #record} is the record now stored (open) or null (commit: see version). */
        OK,
        /** Refused: a newer activation holds the record ({@link #epoch}, {@link #member}). */
        STALE,
        /** Refused: the record is missing or older than the activation (lost, or restored from an older copy). */
        LOST,
        /** Refused: the record would grow past the limit ({@link #detail}). */
        TOO_LARGE,
        /** Not applied because the map's record is as new or newer (a restore offer). */
        IGNORED
    }

    private Kind kind;
    private long epoch;
    private long version;
    private String member;
    private String detail;
    private StateRecord record;

    /** For deserialization only. */
    public Outcome() {}

    Outcome(Kind kind, long epoch, long version, String member, String detail, StateRecord record) {
        this.kind = kind;
        this.epoch = epoch;
        this.version = version;
        this.member = member == null ? "" : member;
        this.detail = detail == null ? "" : detail;
        this.record = record;
    }

    public Kind kind() {
        return kind;
    }

    /** The record's epoch after the operation (STALE, LOST: the epoch found). */
    public long epoch() {
        return epoch;
    }

    /** The record's version after the operation. */
    public long version() {
        return version;
    }

    /** The member that opened the record's epoch. */
    public String member() {
        return member;
    }

    public String detail() {
        return detail;
    }

    /** The record, for an open; otherwise null. */
    public StateRecord record() {
        return record;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(kind.ordinal());
        out.writeLong(epoch);
        out.writeLong(version);
        out.writeString(member);
        out.writeString(detail);
        out.writeBoolean(record != null);
        if (record != null) {
            record.writeData(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        kind = Kind.values()[in.readByte()];
        epoch = in.readLong();
        version = in.readLong();
        member = in.readString();
        detail = in.readString();
        if (in.readBoolean()) {
            record = new StateRecord();
            record.readData(in);
        }
    }
}
