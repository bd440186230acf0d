package dev.kelpie.api.state;

import dev.kelpie.api.KelpieException;
import dev.kelpie.api.actor.ActorId;

/**
 * A state commit (or read for a commit) came from an activation that a newer activation of the same actor
 * has fenced off: its epoch is older than the store's. The store refused the commit; the activation must
 * not commit again and is discarded. (Where a store retries a commit whose first attempt was applied but
 * not answered, such as Hazelcast after a member's death, the first attempt may have applied: the caller
 * is told UNAVAILABLE, an outcome that may be unknown.)
 */
public class StaleEpochException extends KelpieException {
    private static final long serialVersionUID = 1L;

    private final ActorId actor;
    private final long epoch;
    private final long currentEpoch;

    /**
     * @param actor the actor
     * @param epoch the refused activation's epoch
     * @param currentEpoch the store's epoch, of the newer activation
     * @param newerActivation where the newer activation is (a member), or null when unknown
     */
    public StaleEpochException(ActorId actor, long epoch, long currentEpoch, String newerActivation) {
        super("actor " + actor + " was fenced off by a newer activation"
                + (newerActivation == null || newerActivation.isBlank() ? "" : " on " + newerActivation)
                + " (epoch " + epoch + " < " + currentEpoch + ")");
        this.actor = actor;
        this.epoch = epoch;
        this.currentEpoch = currentEpoch;
    }

    public ActorId actor() {
        return actor;
    }

    /** The epoch of the activation whose commit was refused. */
    public long epoch() {
        return epoch;
    }

    /** The epoch the store holds, of the newer activation. */
    public long currentEpoch() {
        return currentEpoch;
    }
}
