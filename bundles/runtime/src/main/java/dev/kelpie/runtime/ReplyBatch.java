package dev.kelpie.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The replies of one actor's consecutive turns that wait for the same group commit (the same future from
 * the store), completed together, in turn order, by one callback instead of a chain of futures per turn.
 * The turn's thread adds replies while the batch is open; the commit's completion closes it (and the
 * completion of the replies, for a batch of read-only turns). A turn that finds the batch closed starts a
 * new batch chained behind this one, so acknowledgements stay in turn order and never precede the commit
 * of an earlier turn.
 */
final class ReplyBatch {
    /** One successful turn's reply; {@code wrote}: it committed writes, starting at {@code commitStart}. */
    record Entry(Envelope envelope, byte[] response, boolean wrote, long commitStart) {}

    /** The commit the batch's writing turns wait for; null for a batch of read-only turns. */
    final CompletableFuture<Void> durable;
    private final ArrayList<Entry> entries = new ArrayList<>(4);
    private boolean closed;

    ReplyBatch(CompletableFuture<Void> durable) {
        this.durable = durable;
    }

    /** Adds a reply unless the batch is closed already (then the caller starts a new batch). */
    synchronized boolean add(Entry entry) {
        if (closed) {
            return false;
        }
        entries.add(entry);
        return true;
    }

    /** Closes the batch to new replies and returns its replies in turn order. */
    synchronized List<Entry> close() {
        closed = true;
        return entries;
    }
}
