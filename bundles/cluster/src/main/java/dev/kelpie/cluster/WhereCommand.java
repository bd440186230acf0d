package dev.kelpie.cluster;

import dev.kelpie.api.actor.ActorId;

/** The Gogo command {@code kelpie:where <type> <id>}: the member an actor lives on, and whether it is active there. */
public final class WhereCommand {
    private final KelpieCluster cluster;

    WhereCommand(KelpieCluster cluster) {
        this.cluster = cluster;
    }

    /** {@code kelpie:where <type> <id>} */
    public String where(String type, String id) {
        ActorId actor;
        try {
            actor = new ActorId(type, id);
        } catch (IllegalArgumentException e) {
            return "kelpie:where: " + e.getMessage();
        }
        try {
            return cluster.where(actor);
        } catch (IllegalStateException e) {
            return "kelpie:where: " + e.getMessage();
        }
    }
}
