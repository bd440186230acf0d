package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.store.MvStoreStateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A stateful actor: the Rust counter's {@code increment} on ONE actor, pipelined like the single-actor
 * benchmark ({@value #BATCH} invokes, then wait; one op = one message). Every turn makes two host calls
 * ({@code kelpie/state/get} of {@code count}, {@code kelpie/state/set}) and ends with one store commit.
 * {@code store=memory}: {@link InMemoryStateStore}; {@code store=mvstore}: {@link MvStoreStateStore} in a
 * fresh temp directory with Kelpie's default fsync interval (100 ms; every commit is written to the file
 * at once). Baseline in the same run: {@code echo}, the testbed's 64-byte echo through the same runtime
 * wiring (in-memory store), i.e. a turn without state. After every iteration the counter is read back
 * and must equal the number of increments sent.
 *
 * <p>{@code incrementAcross100}: the same {@code increment}, {@value #BATCH} per op spread round-robin over
 * {@value ManyCounters#ACTORS} counters (10 each), all pipelined, then one wait for all. {@code store=memory}
 * is the same-run baseline; {@code mvstore} is the MVStore with group commit and the default fsync interval
 * (100 ms); {@code mvstore-fsync} fsyncs every group commit before its replies complete
 * ({@code sync_interval_ms = 0}); {@code -p store=mvstore-lingerN} (not a default) sets {@code group_commit_linger_us}
 * to N. Every counter is checked after every iteration.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CounterStateBenchmark {
    static final int BATCH = 1000;
    static final byte[] EMPTY = new byte[0];

    /** The counter on the chosen store. */
    @State(Scope.Benchmark)
    public static class Counter {
        @Param({"memory", "mvstore"})
        public String store;

        Path dir;
        ActorBench bench;
        ActorRef counter;
        long sent;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            StateStore s;
            if (store.equals("mvstore")) {
                dir = Files.createTempDirectory("kelpie-bench-state");
                s = new MvStoreStateStore(dir);
            } else {
                s = new InMemoryStateStore();
            }
            bench = new ActorBench(s, ActorBench.settings());
            bench.deploy("counter", ActorBench.COUNTER);
            counter = bench.runtime.ref("counter", "c1");
            Guests.check(text(counter.call("increment", EMPTY)).equals("1"), "first increment answers 1");
            sent = 1;
        }

        @TearDown(Level.Iteration)
        public void check() {
            String count = text(counter.call("get", EMPTY));
            Guests.check(count.equals(Long.toString(sent)), "counter is " + count + " after " + sent + " increments");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            bench.close();
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> {
                        try {
                            Files.delete(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
        }
    }

    /** 100 counters on the chosen store. */
    @State(Scope.Benchmark)
    public static class ManyCounters {
        static final int ACTORS = 100;

        @Param({"memory", "mvstore", "mvstore-fsync"})
        public String store;

        Path dir;
        ActorBench bench;
        final ActorRef[] counters = new ActorRef[ACTORS];
        long sentEach;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            StateStore s;
            if (store.startsWith("mvstore")) {
                dir = Files.createTempDirectory("kelpie-bench-state");
                int linger = store.indexOf("-linger"); // mvstore-lingerN: group_commit_linger_us = N (not a default param)
                s = new MvStoreStateStore(dir, store.startsWith("mvstore-fsync") ? 0 : MvStoreStateStore.DEFAULT_SYNC_INTERVAL_MS,
                        MvStoreStateStore.DEFAULT_COMMIT_TIMEOUT_MS, MvStoreStateStore.DEFAULT_MAX_PENDING_COMMIT_BYTES,
                        linger < 0 ? MvStoreStateStore.DEFAULT_GROUP_COMMIT_LINGER_US
                                : Long.parseLong(store.substring(linger + "-linger".length())));
            } else {
                s = new InMemoryStateStore();
            }
            bench = new ActorBench(s, ActorBench.settings());
            bench.deploy("counter", ActorBench.COUNTER);
            for (int i = 0; i < ACTORS; i++) {
                counters[i] = bench.runtime.ref("counter", "c" + i);
                Guests.check(text(counters[i].call("increment", EMPTY)).equals("1"), "first increment answers 1");
            }
            sentEach = 1;
        }

        @TearDown(Level.Iteration)
        public void check() {
            for (ActorRef c : counters) {
                String count = text(c.call("get", EMPTY));
                Guests.check(count.equals(Long.toString(sentEach)), c + " is " + count + " after " + sentEach + " increments");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            bench.close();
            delete(dir);
        }
    }

    static void delete(Path dir) throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** The testbed's echo through the same wiring: a turn without state. */
    @State(Scope.Benchmark)
    public static class Echo {
        ActorBench bench;
        ActorRef actor;
        byte[] payload;
        @SuppressWarnings("unchecked")
        final CompletableFuture<byte[]>[] batch = new CompletableFuture[BATCH];

        @Setup(Level.Trial)
        public void setUp() {
            payload = ActorBench.payload(64);
            bench = new ActorBench();
            bench.deploy("testbed", ActorBench.TESTBED);
            actor = bench.runtime.ref("testbed", "e1");
            ActorBench.checkEcho(actor, payload);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bench.close();
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] increment(Counter c) {
        for (int i = 0; i < BATCH; i++) {
            c.batch[i] = c.counter.invoke("increment", EMPTY).toCompletableFuture();
        }
        c.sent += BATCH;
        return ActorBench.awaitInOrder(c.batch, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] incrementAcross100(ManyCounters c) {
        for (int i = 0; i < BATCH; i++) {
            c.batch[i] = c.counters[i % ManyCounters.ACTORS].invoke("increment", EMPTY).toCompletableFuture();
        }
        c.sentEach += BATCH / ManyCounters.ACTORS;
        return ActorBench.awaitAll(c.batch, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] echo(Echo e) {
        for (int i = 0; i < BATCH; i++) {
            e.batch[i] = e.actor.invoke("echo", e.payload).toCompletableFuture();
        }
        return ActorBench.awaitInOrder(e.batch, BATCH);
    }
}
