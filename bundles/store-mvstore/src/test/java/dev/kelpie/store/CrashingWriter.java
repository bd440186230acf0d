package dev.kelpie.store;

import dev.kelpie.api.actor.ActorId;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The child JVM of {@link SigkillDurabilityTest}: opens the store in the directory given as the argument
 * and commits turns of {@code counter:c1} forever, turn i writing {@code n=i}, {@code k<i>=i} and a
 * {@value #BLOB_BYTES}-byte {@code blob} made by {@link #blob} (so each commit writes several blocks and a
 * kill can land in the middle of one), printing {@code ACK i} once the commit has returned. It continues
 * after the highest turn already stored, and never closes the store: it is meant to be killed.
 */
public final class CrashingWriter {
    static final ActorId ACTOR = ActorId.of("counter", "c1");
    static final int BLOB_BYTES = 16 * 1024;

    /** The blob of turn i: {@code i:} and then the byte {@code (byte) i} to the end. */
    static byte[] blob(long i) {
        byte[] head = (i + ":").getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[BLOB_BYTES];
        java.util.Arrays.fill(b, (byte) i);
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
    }

    /** The actor of thread t in the many-actor mode. */
    static ActorId actor(int t) {
        return ActorId.of("counter", "m" + t);
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        MvStoreStateStore store = new MvStoreStateStore(Path.of(args[0]));
        if (args.length > 1) {
            many(store, Integer.parseInt(args[1]), out);
            return;
        }
        byte[] n = store.get(ACTOR, "n");
        long start = n == null ? 1 : Long.parseLong(new String(n, StandardCharsets.UTF_8)) + 1;
        out.println("START " + start);
        out.flush();
        for (long i = start; ; i++) {
            byte[] value = Long.toString(i).getBytes(StandardCharsets.UTF_8);
            Map<String, byte[]> turn = new LinkedHashMap<>();
            turn.put("n", value);
            turn.put("k" + i, value);
            turn.put("blob", blob(i));
            store.commit(ACTOR, turn);
            out.println("ACK " + i);
            out.flush();
        }
    }

    /**
     * The many-actor mode: {@code threads} threads, thread t committing turns of {@code counter:m<t>} (turn
     * i writing {@code n=i} and {@code k<i>=i}) and printing {@code ACK t i} once the commit returned, so
     * the group commits hold turns of many actors.
     */
    private static void many(MvStoreStateStore store, int threads, PrintStream out) {
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread writer = new Thread(() -> {
                ActorId actor = actor(thread);
                byte[] n = store.get(actor, "n");
                long start = n == null ? 1 : Long.parseLong(new String(n, StandardCharsets.UTF_8)) + 1;
                for (long i = start; ; i++) {
                    byte[] value = Long.toString(i).getBytes(StandardCharsets.UTF_8);
                    Map<String, byte[]> turn = new LinkedHashMap<>();
                    turn.put("n", value);
                    turn.put("k" + i, value);
                    store.commit(actor, turn);
                    synchronized (out) {
                        out.println("ACK " + thread + " " + i);
                        out.flush();
                    }
                }
            }, "writer-" + t);
            writer.start();
        }
    }
}
