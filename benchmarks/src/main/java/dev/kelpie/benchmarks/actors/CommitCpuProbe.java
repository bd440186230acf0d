package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.store.MvStoreStateStore;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code CounterStateBenchmark.incrementAcross100} measured in <b>CPU time</b>, for a machine shared with
 * other work: the Rust counter's {@code increment}, 1,000 pipelined round-robin over 100 counters, then one
 * wait for all; the stores' cases interleaved round by round in one JVM, so load changes hit every case
 * alike. Each round is charged the CPU time of every Java thread by what it does (the caller; the
 * runtime's workers {@code kelpie-actor-*}; the store's committer {@code kelpie-state-commit}; any other
 * Java thread), the bytes they allocated, the GC's time and the wall time. Reported: the median per
 * increment over the measured rounds. The CPU time of the JVM's own GC and JIT threads is not in the
 * thread figures; the GC's wall time per op is.
 *
 * <p>Cases: {@code memory} ({@link InMemoryStateStore}, the baseline), {@code mvstore}
 * ({@link MvStoreStateStore}, fsync at most every 100 ms), {@code mvstore-fsync} (an fsync per group commit);
 * a suffix {@code -lingerN} sets {@code group_commit_linger_us} to N (e.g. {@code mvstore-linger0}).
 * Every counter is read back and checked after the run.
 *
 * <pre>java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar dev.kelpie.benchmarks.actors.CommitCpuProbe [rounds [store ...]]</pre>
 */
public final class CommitCpuProbe {
    private static final int ACTORS = 100;
    private static final int BATCH = 1000;
    private static final int BATCHES_PER_ROUND = 20;
    private static final int WARMUP_ROUNDS = 30;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] GROUPS = {"caller", "workers", "committer", "other"};

    private CommitCpuProbe() {}

    /** CPU ns and allocated bytes per thread group so far: {cpu[4], alloc[4]}. */
    private static long[][] sample() {
        long[] cpu = new long[GROUPS.length];
        long[] alloc = new long[GROUPS.length];
        long self = Thread.currentThread().getId();
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        long[] cpus = THREADS.getThreadCpuTime(ids);
        long[] allocs = THREADS.getThreadAllocatedBytes(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            String name = infos[i].getThreadName();
            int g = ids[i] == self ? 0 : name.startsWith("kelpie-actor-") ? 1 : name.startsWith("kelpie-state-commit") ? 2 : 3;
            cpu[g] += Math.max(0, cpus[i]);
            alloc[g] += Math.max(0, allocs[i]);
        }
        return new long[][] {cpu, alloc};
    }

    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    /** One store's 100 counters and the figures of its rounds. */
    private static final class Case implements AutoCloseable {
        final String name;
        final Path dir;
        final ActorBench bench;
        final ActorRef[] counters = new ActorRef[ACTORS];
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];
        long sentEach;
        final List<double[]> rounds = new ArrayList<>(); // per op: cpu[4], alloc total, gc ms, wall, commits

        Case(String name) throws Exception {
            this.name = name;
            StateStore s;
            if (name.startsWith("mvstore")) {
                dir = Files.createTempDirectory("kelpie-commit-probe");
                int linger = name.indexOf("-linger");
                s = new MvStoreStateStore(dir, name.contains("-fsync") ? 0 : MvStoreStateStore.DEFAULT_SYNC_INTERVAL_MS,
                        MvStoreStateStore.DEFAULT_COMMIT_TIMEOUT_MS, MvStoreStateStore.DEFAULT_MAX_PENDING_COMMIT_BYTES,
                        linger < 0 ? MvStoreStateStore.DEFAULT_GROUP_COMMIT_LINGER_US
                                : Long.parseLong(name.substring(linger + "-linger".length())));
            } else {
                dir = null;
                s = new InMemoryStateStore();
            }
            bench = new ActorBench(s, ActorBench.settings());
            bench.deploy("counter", ActorBench.COUNTER);
            for (int i = 0; i < ACTORS; i++) {
                counters[i] = bench.runtime.ref("counter", "c" + i);
                Guests.check(text(counters[i].call("increment", new byte[0])).equals("1"), "first increment answers 1");
            }
            sentEach = 1;
        }

        void round(boolean measured) {
            long[][] before = sample();
            long gc0 = gcMillis();
            long v0 = commits();
            long w0 = System.nanoTime();
            for (int b = 0; b < BATCHES_PER_ROUND; b++) {
                for (int i = 0; i < BATCH; i++) {
                    batch[i] = counters[i % ACTORS].invoke("increment", new byte[0]).toCompletableFuture();
                }
                sentEach += BATCH / ACTORS;
                ActorBench.awaitAll(batch, BATCH);
            }
            long w1 = System.nanoTime();
            long v1 = commits();
            long gc1 = gcMillis();
            long[][] after = sample();
            if (measured) {
                double ops = (double) BATCH * BATCHES_PER_ROUND;
                double[] r = new double[GROUPS.length + 4];
                long alloc = 0;
                for (int g = 0; g < GROUPS.length; g++) {
                    r[g] = (after[0][g] - before[0][g]) / ops;
                    alloc += after[1][g] - before[1][g];
                }
                r[GROUPS.length] = alloc / ops;
                r[GROUPS.length + 1] = (gc1 - gc0) * 1e6 / ops;
                r[GROUPS.length + 2] = (w1 - w0) / ops;
                r[GROUPS.length + 3] = (v1 - v0) * (double) BATCH / ops;
                rounds.add(r);
            }
        }

        void check() {
            for (ActorRef c : counters) {
                String count = text(c.call("get", new byte[0]));
                Guests.check(count.equals(Long.toString(sentEach)), c + " is " + count + " after " + sentEach + " increments");
            }
        }

        /** MVStore commits so far (its version), or 0 for the in-memory store; by reflection, for this probe only. */
        long commits() {
            if (!(bench.store instanceof MvStoreStateStore)) {
                return 0;
            }
            try {
                java.lang.reflect.Field f = MvStoreStateStore.class.getDeclaredField("store");
                f.setAccessible(true);
                return ((org.h2.mvstore.MVStore) f.get(bench.store)).getCurrentVersion();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The median of column {@code i} over the measured rounds. */
        double median(int i) {
            double[] v = rounds.stream().mapToDouble(r -> r[i]).sorted().toArray();
            return v[v.length / 2];
        }

        /** The median total CPU (all Java threads) per op. */
        double medianCpu() {
            double[] v = rounds.stream().mapToDouble(r -> r[0] + r[1] + r[2] + r[3]).sorted().toArray();
            return v[v.length / 2];
        }

        @Override
        public void close() throws Exception {
            bench.close();
            CounterStateBenchmark.delete(dir);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        List<String> names = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("memory", "mvstore");
        List<Case> cases = new ArrayList<>();
        for (String n : names) {
            cases.add(new Case(n));
        }
        for (int r = 0; r < WARMUP_ROUNDS + rounds; r++) {
            for (int i = 0; i < cases.size(); i++) {
                cases.get((i + r) % cases.size()).round(r >= WARMUP_ROUNDS); // rotate the order every round
            }
        }
        Map<String, String> lines = new LinkedHashMap<>();
        System.out.printf("%-14s %9s %9s %9s %9s %9s %10s %9s %9s %12s %13s%n", "store (ns/op)", "cpu all", "caller", "workers",
                "committer", "other", "alloc B/op", "gc", "wall", "wall ops/s", "commits/1000");
        double baseCpu = cases.get(0).medianCpu();
        double baseWall = cases.get(0).median(GROUPS.length + 2);
        for (Case c : cases) {
            c.check();
            System.out.printf("%-14s %,9.0f %,9.0f %,9.0f %,9.0f %,9.0f %,10.0f %,9.0f %,9.0f %,12.0f %,13.1f%n", c.name,
                    c.medianCpu(), c.median(0), c.median(1), c.median(2), c.median(3), c.median(4), c.median(5), c.median(6),
                    1e9 / c.median(6), c.median(7));
            lines.put(c.name, String.format("%s: cpu ratio to %s %.2f, wall-throughput ratio %.2f", c.name, cases.get(0).name,
                    baseCpu / c.medianCpu(), baseWall / c.median(6)));
        }
        lines.values().forEach(System.out::println);
        for (Case c : cases) {
            c.close();
        }
        System.exit(0);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
