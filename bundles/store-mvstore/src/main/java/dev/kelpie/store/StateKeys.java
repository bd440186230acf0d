package dev.kelpie.store;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key layout and input checks shared by the stores.
 *
 * <p>All actors share one sorted map. A stored key is {@code namespace NUL id NUL key}: NUL cannot occur
 * in an {@link ActorId} (only {@code [A-Za-z0-9._-]}) nor in a state key (rejected here), so the layout is
 * unambiguous, and because NUL sorts below every other character, the keys of one actor, and the keys of
 * one actor that start with a given prefix, form one contiguous range of the map in {@link String} order.
 * That makes {@code keys(actor, prefix)} a range scan, and keeps actors whose ids are prefixes of each
 * other ({@code t:a}, {@code t:ab}) apart.
 */
final class StateKeys {
    static final char SEPARATOR = '\u0000';

    private StateKeys() {}

    /** One validated change of a turn: the stored key and the value to store, or null to remove. */
    record Change(String storageKey, byte[] value) {}

    /** The stored-key prefix shared by all keys of the actor. */
    static String actorPrefix(ActorId actor) {
        return actor.namespace() + SEPARATOR + actor.id() + SEPARATOR;
    }

    /** The stored key of a state key of an actor; both already checked. */
    static String storageKey(ActorId actor, String key) {
        return actorPrefix(actor) + key;
    }

    /** Checks the actor and key of a read, and returns the stored key. */
    static String forRead(ActorId actor, String key) {
        requireActor(actor, "read");
        checkKey(actor, key);
        return storageKey(actor, key);
    }

    /**
     * Checks the actor and prefix of a listing and returns the stored-key prefix to scan. A null or empty
     * prefix lists all keys of the actor.
     */
    static String forListing(ActorId actor, String prefix) {
        requireActor(actor, "list keys");
        String p = prefix == null ? "" : prefix;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\u0000' || c == '\n') {
                throw new IllegalArgumentException("key prefix " + quote(p) + " for actor " + actor + " contains "
                        + (c == '\n' ? "a newline" : "NUL") + " at " + i + "; state keys never do");
            }
        }
        return actorPrefix(actor) + p;
    }

    /**
     * Checks every change of a turn before anything is applied and returns them with copied values, so a
     * caller that mutates its map or arrays afterwards cannot change what is stored.
     */
    static List<Change> forCommit(ActorId actor, Map<String, byte[]> changes) {
        requireActor(actor, "commit");
        if (changes == null) {
            throw new IllegalArgumentException("no changes map given for the commit of actor " + actor
                    + " (use an empty map for a turn without writes)");
        }
        if (changes.isEmpty()) {
            return Collections.emptyList();
        }
        String prefix = actorPrefix(actor);
        List<Change> out = new ArrayList<>(changes.size());
        for (Map.Entry<String, byte[]> e : changes.entrySet()) {
            String key = e.getKey();
            checkKey(actor, key);
            byte[] value = e.getValue();
            out.add(new Change(prefix + key, value == null ? null : value.clone()));
        }
        return out;
    }

    /**
     * The changes of a group that one commit must apply: the newest change of each key, in the order of
     * first appearance. The turns of a group are written with one commit, so an older change of a key that
     * a later turn of the group changed again would never be seen: applying it is wasted work (a busy
     * counter's ten increments in one group are one put).
     */
    static List<Change> newestPerKey(List<Change> group) {
        if (group.size() < 2) {
            return group;
        }
        Map<String, Change> newest = new LinkedHashMap<>(group.size() * 2);
        for (Change c : group) {
            newest.put(c.storageKey(), c);
        }
        return newest.size() == group.size() ? group : new ArrayList<>(newest.values());
    }

    static void requireActor(ActorId actor, String operation) {
        if (actor == null) {
            throw new IllegalArgumentException("no actor given to " + operation);
        }
    }

    /**
     * A state key is 1 to {@value ActorState#MAX_KEY_BYTES} bytes of UTF-8 without NUL or newline. A
     * string with an unpaired surrogate has no UTF-8 form and is rejected as well.
     */
    static void checkKey(ActorId actor, String key) {
        if (key == null) {
            throw new IllegalArgumentException("null state key for actor " + actor);
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("empty state key for actor " + actor + "; keys are 1 to "
                    + ActorState.MAX_KEY_BYTES + " bytes");
        }
        int bytes = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\u0000' || c == '\n') {
                throw new IllegalArgumentException("state key " + quote(key) + " of actor " + actor + " contains "
                        + (c == '\n' ? "a newline" : "NUL") + " at " + i + "; keys must not contain NUL or newline");
            }
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < key.length()
                    && Character.isLowSurrogate(key.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("state key " + quote(key) + " of actor " + actor
                        + " has an unpaired surrogate at " + i + " and so is not valid UTF-8");
            } else {
                bytes += 3;
            }
        }
        if (bytes > ActorState.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("state key " + quote(key) + " of actor " + actor + " is " + bytes
                    + " bytes of UTF-8, over the limit of " + ActorState.MAX_KEY_BYTES + " bytes");
        }
    }

    /** The key for a message: quoted, control characters escaped, long keys cut short. */
    static String quote(String key) {
        StringBuilder sb = new StringBuilder("'");
        int limit = Math.min(key.length(), 60);
        for (int i = 0; i < limit; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (key.length() > limit) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
