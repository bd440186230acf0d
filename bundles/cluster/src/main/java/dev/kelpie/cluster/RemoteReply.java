package dev.kelpie.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import java.io.IOException;

/** The answer of a routed message: the actor's answer, or a failure's reason and detail, or "moved". */
public final class RemoteReply implements DataSerializable {
    static final byte OK = 0;
    static final byte FAILED = 1;
    static final byte MOVED = 2;

    private byte kind;
    private byte[] answer;
    private String reason;
    private String detail;

    /** For deserialization. */
    public RemoteReply() {
    }

    private RemoteReply(byte kind, byte[] answer, String reason, String detail) {
        this.kind = kind;
        this.answer = answer;
        this.reason = reason;
        this.detail = detail;
    }

    static RemoteReply ok(byte[] answer) {
        return new RemoteReply(OK, answer == null ? new byte[0] : answer, null, null);
    }

    static RemoteReply failed(Reason reason, String detail) {
        return new RemoteReply(FAILED, null, reason.name(), detail);
    }

    static RemoteReply moved(String detail) {
        return new RemoteReply(MOVED, null, null, detail);
    }

    byte kind() {
        return kind;
    }

    byte[] answer() {
        return answer;
    }

    /** The failure's reason; a reason this member does not know (a newer member's) is UNAVAILABLE. */
    Reason reason() {
        try {
            return Reason.valueOf(reason);
        } catch (RuntimeException unknown) {
            return Reason.UNAVAILABLE;
        }
    }

    String detail() {
        return reason() == Reason.UNAVAILABLE && !Reason.UNAVAILABLE.name().equals(reason)
                ? detail + " (reason " + reason + ", unknown to this member)" : detail;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(kind);
        if (kind == OK) {
            out.writeByteArray(answer);
        } else {
            out.writeString(reason);
            out.writeString(detail);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        kind = in.readByte();
        if (kind == OK) {
            answer = in.readByteArray();
        } else if (kind == FAILED || kind == MOVED) {
            reason = in.readString();
            detail = in.readString();
        } else {
            throw new IOException("a routed message's reply has the unknown kind " + kind);
        }
    }
}
