package dev.kelpie.cluster.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.cluster.Member;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.cluster.state.wire.StateRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two or three in-JVM members, each with its own runtime, store and local MVStore copy. Without cluster
 * routing here, a test calls the runtime of the member that owns the actor's partition (as routing would),
 * or, to force two activations of one actor, the runtimes of two members.
 */
@Timeout(180)
class ClusteredStateStoreTest {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<Node> nodes = new ArrayList<>();
    private String clusterName = "kelpie-state-test-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
    private List<Integer> ports;

    @TempDir
    Path dir;

    @AfterEach
    void stopAll() {
        for (Node n : nodes) {
            try {
                n.terminate();
            } catch (RuntimeException ignored) {
                // best effort: every member is stopped
            }
        }
        nodes.clear();
    }

    private void start(int count) {
        if (ports == null) {
            ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ports.add(Node.freePort());
            }
        }
        for (int i = 0; i < count; i++) {
            nodes.add(new Node(clusterName, ports.get(i), ports, dir.resolve("member-" + i)));
        }
        awaitMembers(count);
    }

    private void awaitMembers(int count) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (Node n : live()) {
            while (n.hz.getCluster().getMembers().size() != count || !n.hz.getPartitionService().isClusterSafe()) {
                assertThat(System.nanoTime()).as("cluster of %s members formed and safe in time", count).isLessThan(deadline);
                sleep(50);
            }
        }
    }

    private List<Node> live() {
        return nodes.stream().filter(Node::alive).toList();
    }

    /** The live member owning the actor's partition (as cluster routing places it), waiting for one. */
    private Node ownerOf(ActorId id) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<Node> live = live();
            Member owner = live.isEmpty() ? null : live.get(0).hz.getPartitionService().getPartition(id.toString()).getOwner();
            for (Node n : live) {
                if (owner != null && n.member().getUuid().equals(owner.getUuid())) {
                    return n;
                }
            }
            assertThat(System.nanoTime()).as("a live owner of %s in time", id).isLessThan(deadline);
            sleep(50);
        }
    }

    private static long call(Node n, ActorId id, String op) {
        return Long.parseLong(new String(n.runtime.ref(id).call(op, new byte[0], Duration.ofSeconds(30)), UTF_8));
    }

    @Test
    void aStaleActivationsCommitIsRefusedAndTheNewerStateWins() {
        start(2);
        Node a = nodes.get(0);
        Node b = nodes.get(1);
        // the members run the configuration users get (KelpieCluster's), with its executor for routed messages
        assertThat(a.hz.getConfig().getExecutorConfigs()).containsKey("kelpie.calls");
        assertThat(a.hz.getConfig().getInstanceName()).isEqualTo("kelpie-" + clusterName + "-" + a.name().replace(':', '-'));
        ActorId id = new ActorId("counter", "fenced");
        assertThat(call(a, id, "increment")).isEqualTo(1);
        // a second activation of the same actor on the other member: it opens epoch 2 and reads the state
        assertThat(call(b, id, "increment")).isEqualTo(2);
        assertThatThrownBy(() -> call(a, id, "increment"))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.detail()).contains("fenced off by a newer activation on " + b.name() + " (epoch 1 < 2)");
                });
        assertThat(call(b, id, "get")).as("the newer activation's state won").isEqualTo(2);
        StateRecord r = a.hz.<String, StateRecord>getMap(ClusteredStateStore.MAP_NAME).get(id.toString());
        assertThat(r.epoch()).isEqualTo(2);
        assertThat(new String(r.values().get("count"), UTF_8)).isEqualTo("2");
        // the fenced activation was discarded: the next message on a activates anew (epoch 3) with the state
        assertThat(call(a, id, "increment")).isEqualTo(3);
        assertThatThrownBy(() -> call(b, id, "increment")).isInstanceOfSatisfying(ActorInvocationException.class,
                e -> assertThat(e.detail()).contains("(epoch 2 < 3)"));
    }

    @Test
    void killingTheOwnerAfterAnAcknowledgedCommitLosesNothing() {
        start(3);
        ActorId id = new ActorId("counter", "survivor");
        Node owner = ownerOf(id);
        for (int i = 1; i <= 20; i++) {
            assertThat(call(owner, id, "increment")).isEqualTo(i);
        }
        owner.terminate();
        Node next = ownerOf(id);
        assertThat(next).isNotSameAs(owner);
        assertThat(call(next, id, "get")).as("the promoted backup has every acknowledged increment").isEqualTo(20);
        assertThat(call(next, id, "increment")).isEqualTo(21);
    }

    @Test
    void aWholeClusterRestartKeepsTheState() {
        start(2);
        Map<ActorId, Long> expected = new ConcurrentHashMap<>();
        for (int k = 0; k < 8; k++) {
            ActorId id = new ActorId("counter", "restart-" + k);
            Node owner = ownerOf(id);
            long v = 0;
            for (int i = 0; i <= k; i++) {
                v = call(owner, id, "increment");
            }
            expected.put(id, v);
        }
        for (Node n : nodes) {
            n.close();
        }
        nodes.clear();
        // the same data directories; the map starts empty and is refilled from the members' local copies
        start(2);
        for (Map.Entry<ActorId, Long> e : expected.entrySet()) {
            assertThat(call(ownerOf(e.getKey()), e.getKey(), "get")).as("state of %s", e.getKey()).isEqualTo(e.getValue());
        }
        ActorId first = new ActorId("counter", "restart-0");
        assertThat(call(ownerOf(first), first, "increment")).isEqualTo(2);
    }

    @Test
    void everyAcknowledgedIncrementSurvivesAMemberKilledMidway() throws Exception {
        start(3);
        int actors = 4;
        int threads = 4;
        int total = 1000;
        List<ActorId> ids = new ArrayList<>();
        for (int k = 0; k < actors; k++) {
            ids.add(new ActorId("counter", "load-" + k));
        }
        Map<ActorId, List<Long>> acked = new ConcurrentHashMap<>();
        Map<ActorId, AtomicLong> unknown = new ConcurrentHashMap<>();
        ids.forEach(id -> {
            acked.put(id, java.util.Collections.synchronizedList(new ArrayList<>()));
            unknown.put(id, new AtomicLong());
        });
        AtomicInteger done = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        Node victim = ownerOf(ids.get(0));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    int i = seed;
                    while (done.get() < total && attempts.incrementAndGet() < total * 3) {
                        ActorId id = ids.get(i++ % actors);
                        Node target = ownerOf(id);
                        try {
                            long v = Long.parseLong(new String(target.runtime.ref(id).call("increment", new byte[0],
                                    Duration.ofSeconds(30)), UTF_8));
                            acked.get(id).add(v);
                            if (done.incrementAndGet() == total / 2) {
                                victim.terminate();
                            }
                        } catch (ActorInvocationException e) {
                            assertThat(e.reason()).as("only an unknown outcome may fail: %s", e.getMessage())
                                    .isIn(Reason.UNAVAILABLE, Reason.TIMEOUT, Reason.SHUT_DOWN);
                            unknown.get(id).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(150, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(victim.alive()).isFalse();
        assertThat(done.get()).isGreaterThanOrEqualTo(total);
        System.out.printf("%d acknowledged increments on %d actors from %d threads in %d ms, member %s killed after %d; "
                + "unknown outcomes: %s%n", done.get(), actors, threads, millis, victim.name(), total / 2, unknown);
        for (ActorId id : ids) {
            List<Long> values = new ArrayList<>(acked.get(id));
            long finalValue = call(ownerOf(id), id, "get");
            assertThat(values).as("no acknowledged increment of %s was lost (its value handed out twice)", id)
                    .doesNotHaveDuplicates();
            assertThat(finalValue).as("final value of %s", id)
                    .isGreaterThanOrEqualTo(values.stream().mapToLong(Long::longValue).max().orElse(0))
                    .isBetween((long) values.size(), values.size() + unknown.get(id).get());
        }
    }

    @Test
    void aCommitPastMaxRecordBytesIsRefusedAndNothingOfItApplied() {
        ports = List.of(Node.freePort());
        nodes.add(new Node(clusterName, ports.get(0), ports, dir.resolve("member-0"),
                Node.SETTINGS.withMaxRecordBytes(4096)));
        Node n = nodes.get(0);
        ActorId id = new ActorId("counter", "big");
        long epoch = n.store.open(id);
        n.store.commitAsync(id, epoch, Map.of("a", new byte[1000])).join();
        assertThatThrownBy(() -> n.store.commitAsync(id, epoch, Map.of("b", new byte[1000], "c", new byte[3000])).join())
                .hasMessageContaining("actor counter:big would be").hasMessageContaining("over the limit of 4096 bytes (max_record_bytes)");
        assertThat(n.store.keys(id, "")).containsExactly("a");
        n.store.close(id, epoch);
        // read without the activation's cache: what the map holds
        assertThat(n.store.keys(id, "")).containsExactly("a");
        assertThat(n.store.get(id, "a")).hasSize(1000);
    }

    @Test
    void aRecordsByteFormRoundTripsAndACorruptOneIsRefusedByName() {
        java.util.TreeMap<String, byte[]> values = new java.util.TreeMap<>();
        values.put("k", new byte[] {1, 2, 3});
        values.put("ünï", new byte[0]);
        StateRecord r = new StateRecord(7, 42, "127.0.0.1:5701", values);
        StateRecord back = StateRecord.fromBytes(r.toBytes());
        assertThat(back.epoch()).isEqualTo(7);
        assertThat(back.version()).isEqualTo(42);
        assertThat(back.activation()).isEqualTo("127.0.0.1:5701");
        assertThat(back.values()).containsOnlyKeys("k", "ünï");
        assertThat(back.values().get("k")).containsExactly(1, 2, 3);
        byte[] bytes = r.toBytes();
        assertThatThrownBy(() -> StateRecord.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        bytes[0] = 9;
        assertThatThrownBy(() -> StateRecord.fromBytes(bytes)).hasMessageContaining("unknown record format 9");
        assertThat(new StateRecord(3, 1, "", values).newerThan(new StateRecord(2, 9, "", values))).isTrue();
        assertThat(new StateRecord(3, 1, "", values).newerThan(new StateRecord(3, 1, "", values))).isFalse();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
