package dev.kelpie.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.cluster.Members.Member;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three members in one JVM: messages sent on any member reach the one activation on the actor's member. */
@Timeout(120)
class RoutingTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);
    private Members cluster;

    /**
     * Every member deploys the Rust counter, a native type "n" (fail, block, echo) and a native type "relay"
     * (its payload, {@code id1,id2,...}: calls relay:id1 with the rest; answers "end", or the reason and detail
     * of a failed call).
     */
    private void deploy(Member m) {
        Members.deployCounter(m);
        m.runtime.deploy(ActorType.nativeType("relay", () -> (ctx, op, payload) -> {
            String rest = new String(payload, UTF_8);
            if (rest.isEmpty()) {
                return "end".getBytes(UTF_8);
            }
            int comma = rest.indexOf(',');
            ActorId next = new ActorId("relay", comma < 0 ? rest : rest.substring(0, comma));
            try {
                return ctx.call(next, "relay", (comma < 0 ? "" : rest.substring(comma + 1)).getBytes(UTF_8));
            } catch (ActorInvocationException e) {
                return (e.reason() + ": " + e.detail()).getBytes(UTF_8);
            }
        }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(3))));
        m.runtime.deploy(ActorType.nativeType("n", () -> (ctx, op, payload) -> {
            switch (op) {
                case "fail":
                    throw new IllegalStateException("no such thing");
                case "block":
                    entered.countDown();
                    release.await(60, TimeUnit.SECONDS);
                    return "late".getBytes(UTF_8);
                default:
                    return payload;
            }
        }));
    }

    private void start(int n, Duration callTimeout) throws InterruptedException {
        cluster = new Members(n, callTimeout, this::deploy);
        for (int i = 0; i < n; i++) {
            cluster.start();
        }
        cluster.awaitFormed();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void messagesFromEveryMemberReachTheOneActivationOnTheOwner() throws Exception {
        start(3, Duration.ZERO);
        for (int k = 0; k < 3; k++) {
            Member owner = cluster.get(k);
            ActorId id = Members.ownedBy(owner, "counter", "c" + k);
            int expected = 0;
            for (int round = 0; round < 2; round++) {
                for (Member sender : cluster.members) {
                    expected++;
                    byte[] answer = sender.runtime.ref(id).call("increment", new byte[0]);
                    assertThat(new String(answer, UTF_8)).as("increment of %s sent on %s", id, sender.address())
                            .isEqualTo(Integer.toString(expected));
                    // async path too
                    byte[] got = sender.runtime.ref(id).invoke("get", new byte[0]).toCompletableFuture().get(20, TimeUnit.SECONDS);
                    assertThat(new String(got, UTF_8)).isEqualTo(Integer.toString(expected));
                }
            }
            for (Member m : cluster.members) {
                assertThat(m.active(id)).as("%s active on %s (owner %s)", id, m.address(), owner.address()).isEqualTo(m == owner);
            }
            assertThat(owner.runtime.stats("counter").orElseThrow().activations()).isGreaterThanOrEqualTo(1);
        }
        long activations = cluster.members.stream().mapToLong(m -> m.runtime.stats("counter").orElseThrow().activations()).sum();
        assertThat(activations).as("one activation per actor, cluster-wide").isEqualTo(3);
        assertThat(cluster.get(0).cluster.view().ownerOf(ActorId.of("counter", "x")))
                .isEqualTo(cluster.get(1).cluster.view().ownerOf(ActorId.of("counter", "x")).map(m ->
                        new dev.kelpie.api.cluster.ClusterMember(m.uuid(), m.address(), m.address().equals(cluster.get(0).address()))));
    }

    @Test
    void aCallCycleAcrossMembersIsRefusedWithCallCycleAndAChainWithoutOneRuns() throws Exception {
        start(2, Duration.ZERO);
        Member m1 = cluster.get(0);
        Member m2 = cluster.get(1);
        ActorId a = Members.ownedBy(m1, "relay", "a");
        ActorId b = Members.ownedBy(m2, "relay", "b");
        ActorId c = Members.ownedBy(m1, "relay", "c");
        // a (member 1) -> b (member 2) -> a: b's member knows a waits for b, and refuses the call at once
        long t0 = System.nanoTime();
        String answer = new String(m1.runtime.ref(a).call("relay", (b.id() + "," + a.id()).getBytes(UTF_8)), UTF_8);
        assertThat(answer).isEqualTo("CALL_CYCLE: call cycle: " + a + " → " + b + " → " + a);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused, not timed out").isLessThan(Duration.ofSeconds(2));
        // a -> b -> c (back on member 1, not waiting): runs, from either member
        assertThat(new String(m2.runtime.ref(a).call("relay", (b.id() + "," + c.id()).getBytes(UTF_8)), UTF_8))
                .isEqualTo("end");
        // a chain deeper than a routed message carries is refused on the sender, before anything is sent
        java.util.List<ActorId> deep = java.util.stream.IntStream.rangeClosed(0, RemoteInvocation.MAX_CALL_CHAIN)
                .mapToObj(i -> new ActorId("relay", "deep-" + i)).toList();
        assertThat(m1.router.route(b, "relay", new byte[0], Duration.ofSeconds(5), deep).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
                    assertThat(e.detail()).contains("1025 actors deep").contains("1024");
                });
    }

    @Test
    void remoteFailuresKeepTheirReason() throws Exception {
        start(2, Duration.ZERO);
        Member a = cluster.get(0);
        Member b = cluster.get(1);
        ActorId onB = Members.ownedBy(b, "n", "f");
        assertThatThrownBy(() -> a.runtime.ref(onB).call("fail", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.ACTOR_ERROR);
                    assertThat(e.detail()).contains("no such thing");
                    assertThat(e.actor()).isEqualTo(onB);
                });
        // a type deployed on the sender but not on the owner: the owner's UNKNOWN_TYPE
        a.runtime.deploy(ActorType.nativeType("only-a", () -> (ctx, op, p) -> p));
        ActorId onlyA = Members.ownedBy(b, "only-a", "x");
        assertThatThrownBy(() -> a.runtime.ref(onlyA).call("hi", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TYPE);
                    assertThat(e.detail()).contains("only-a");
                });
        // a payload over the owner's limit of the type (the sender's limit is larger): refused there
        b.runtime.deploy(ActorType.nativeType("small", () -> (ctx, op, p) -> p,
                dev.kelpie.api.actor.ActorLimits.DEFAULTS.withMaxPayloadBytes(4)));
        a.runtime.deploy(ActorType.nativeType("small", () -> (ctx, op, p) -> p));
        ActorId small = Members.ownedBy(b, "small", "s");
        assertThatThrownBy(() -> a.runtime.ref(small).call("echo", new byte[5]))
                .isInstanceOfSatisfying(ActorInvocationException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.PAYLOAD_TOO_LARGE));
        assertThat(a.runtime.ref(small).call("echo", new byte[4])).hasSize(4);
    }

    @Test
    void aMemberThatDiesMidCallGivesUnavailableNamingItWithinTheBound() throws Exception {
        start(2, Duration.ofSeconds(8));
        Member a = cluster.get(0);
        Member b = cluster.get(1);
        ActorId onB = Members.ownedBy(b, "n", "d");
        CompletableFuture<byte[]> call = a.runtime.ref(onB).invoke("block", new byte[0]).toCompletableFuture();
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        b.cluster.hazelcast().getLifecycleService().terminate(); // as if killed
        Throwable failure = call.handle((v, t) -> t).get(20, TimeUnit.SECONDS);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(failure).isInstanceOfSatisfying(ActorInvocationException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e.detail()).contains(b.address()).contains("outcome is unknown");
        });
        assertThat(tookMs).as("within the 8 s call timeout (+ slack)").isLessThan(9_000);
    }

    @Test
    void aSlowMemberGivesUnavailableAfterTheCallTimeout() throws Exception {
        start(2, Duration.ofMillis(500));
        Member a = cluster.get(0);
        Member b = cluster.get(1);
        ActorId onB = Members.ownedBy(b, "n", "s");
        long start = System.nanoTime();
        assertThatThrownBy(() -> a.runtime.ref(onB).call("block", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    // the caller's timer ("gave no answer within 500 ms") and the owner's own wait for the turn,
                    // which started a moment later with what was left ("had no answer within 499 ms"), end together
                    assertThat(e.detail()).contains(b.address()).containsPattern("answer within (49[0-9]|500) ms");
                });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(400L, 5_000L);
    }

    @Test
    void aMovedAnswerIsFollowedAtMostMaxMovesTimes() throws Exception {
        start(2, Duration.ZERO);
        Member a = cluster.get(0);
        Member b = cluster.get(1);
        ActorId onB = Members.ownedBy(b, "n", "m");
        AtomicInteger movedAnswers = new AtomicInteger();
        AtomicInteger followed = new AtomicInteger();
        b.cluster.node().testHooks = new ClusterNode.TestHooks() {
            @Override
            public boolean answerMoved(ActorId id) {
                return id.equals(onB) && movedAnswers.incrementAndGet() <= 2;
            }
        };
        a.cluster.node().testHooks = new ClusterNode.TestHooks() {
            @Override
            public void moved(ActorId id, int moves) {
                followed.incrementAndGet();
            }
        };
        assertThat(new String(a.runtime.ref(onB).call("echo", "hi".getBytes(UTF_8)), UTF_8)).isEqualTo("hi");
        assertThat(followed.get()).isEqualTo(2);
        assertThat(b.active(onB)).isTrue();
        assertThat(a.active(onB)).isFalse();

        // always moved: the sender gives up after max_moves (3) with UNAVAILABLE, and the message did not run
        b.cluster.node().testHooks = new ClusterNode.TestHooks() {
            @Override
            public boolean answerMoved(ActorId id) {
                return true;
            }
        };
        assertThatThrownBy(() -> a.runtime.ref(onB).call("echo", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.detail()).contains("moved 4 times").contains(b.address()).contains("did not run");
                });
    }

    @Test
    void aMemberLeavingPassivatesNothingItStillOwnsAndAJoiningMemberTakesItsShare() throws Exception {
        cluster = new Members(3, Duration.ZERO, this::deploy);
        Member a = cluster.start();
        Member b = cluster.start();
        cluster.awaitFormed();
        for (int i = 0; i < 60; i++) {
            a.runtime.ref("counter", "p-" + i).call("increment", new byte[0]);
        }
        int before = a.runtime.actors().size() + b.runtime.actors().size();
        assertThat(before).isEqualTo(60);
        Member c = cluster.start();
        cluster.awaitFormed();
        // the partitions C now owns moved away from A and B: their activations there are passivated
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean cOwnsSome = java.util.stream.IntStream.range(0, 60)
                    .anyMatch(i -> c.cluster.view().isLocal(ActorId.of("counter", "p-" + i)));
            boolean safe = cluster.members.stream().allMatch(m -> m.cluster.hazelcast().getPartitionService().isClusterSafe());
            boolean placed = safe && cOwnsSome && cluster.members.stream().allMatch(m -> m.runtime.actors().stream()
                    .allMatch(x -> m.cluster.view().isLocal(x.id())));
            if (placed) {
                break;
            }
            assertThat(System.nanoTime()).as("activations placed on their owners within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(a.runtime.actors().size() + b.runtime.actors().size()).isLessThan(60);
        // the moved actors answer from their new member (state of this in-memory store stays behind: a fresh counter)
        for (int i = 0; i < 60; i++) {
            c.runtime.ref("counter", "p-" + i).call("get", new byte[0]);
        }
        for (int i = 0; i < 60; i++) {
            ActorId id = ActorId.of("counter", "p-" + i);
            long holders = cluster.members.stream().filter(m -> m.active(id)).count();
            assertThat(holders).as("activations of %s", id).isEqualTo(1);
        }
    }
}
