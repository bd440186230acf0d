package dev.kelpie.cluster.modules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.module.ModuleHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Module rollout between in-JVM cluster members, each with its own Kelpie runtime and deployer. */
@Timeout(120)
class ModuleRolloutTest {
    static final byte[] COUNTER = Member.wasm("/wasm/rust/counter.wasm");
    static final byte[] COUNTER_V2 = Member.wasm("/wasm/rust/counter-v2.wasm");
    static final ModuleHash V1 = ModuleHash.sha256(COUNTER);
    static final ModuleHash V2 = ModuleHash.sha256(COUNTER_V2);
    static final Duration WAIT = Duration.ofSeconds(60);

    final String cluster = "rollout-" + UUID.randomUUID();
    final List<Integer> ports = List.of(Member.freePort(), Member.freePort(), Member.freePort());
    final List<Member> members = new ArrayList<>();

    Member member(int i) {
        Member m = Member.start(cluster, ports.get(i), ports);
        members.add(m);
        return m;
    }

    @AfterEach
    void stop() {
        for (Member m : members) {
            try {
                m.close();
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static Optional<ModuleHash> running(Member m, String type) {
        return m.runtime.type(type).map(ActorType::module);
    }

    static void awaitAll(List<Member> ms, String type, ModuleHash hash) {
        for (Member m : ms) {
            await("member " + m.rollout.member() + " runs " + type + " as " + hash, () -> running(m, type).equals(
                    Optional.ofNullable(hash)) && m.rollout.idle());
        }
    }

    static String call(Member m, String type, String id, String op, String payload) {
        return new String(m.runtime.ref(type, id).call(op, payload.getBytes(UTF_8)), UTF_8);
    }

    @Test
    void aModuleDeployedOnOneMemberRunsOnEveryMemberAndUpdatesAndRemovalsFollow() {
        Member a = member(0).roll();
        Member b = member(1).roll();
        Member c = member(2).roll();
        await("three members", () -> a.hz.getCluster().getMembers().size() == 3);
        // the members run the configuration users get (KelpieCluster's), with its executor for routed messages
        assertThat(a.hz.getConfig().getExecutorConfigs()).containsKey("kelpie.calls");
        assertThat(a.hz.getConfig().getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");

        DeployResult r = a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER)
                .withLimits(a.runtime.defaultLimits().withInvocationTimeout(Duration.ofSeconds(9)))
                .withHostNamespaces(Set.of("greeting")));
        assertThat(r.module().hash()).isEqualTo(V1);
        awaitAll(members, "counter", V1);
        for (Member m : members) {
            ActorType t = m.runtime.type("counter").orElseThrow();
            assertThat(t.limits().invocationTimeout()).isEqualTo(Duration.ofSeconds(9));
            assertThat(t.hostNamespaces()).containsExactly("greeting");
            assertThat(call(m, "counter", "c", "increment", "2")).isEqualTo("2");
            assertThat(call(m, "counter", "c", "version", "")).isEqualTo("1");
        }

        b.deployer.deploy(DeployRequest.of("counter", "counter-v2.wasm", COUNTER_V2)); // a hot update on another member
        awaitAll(members, "counter", V2);
        for (Member m : members) {
            assertThat(call(m, "counter", "c", "version", "")).isEqualTo("2");
            assertThat(call(m, "counter", "c", "get", "")).isEqualTo("2"); // the activation kept its state
            assertThat(m.runtime.type("counter").orElseThrow().limits().invocationTimeout())
                    .isEqualTo(Duration.ofSeconds(9)); // a hot swap keeps the limits, on every member
        }

        assertThat(c.deployer.undeploy("counter")).isPresent();
        awaitAll(members, "counter", null);
        assertThat(a.registry.find(V2)).isEmpty();
        // and deployed again after the removal: a new version on top of the tombstone
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER));
        awaitAll(members, "counter", V1);
        assertThat(ModuleEntry.decode("counter", a.hz.<String, byte[]>getMap(ModuleRollout.MAP).get("counter"),
                1 << 22).version()).isEqualTo(4);
    }

    @Test
    void aMemberStartingLaterAppliesTheMapAndItsOwnStaleDeploymentLosesToIt() {
        Member a = member(0).roll();
        a.deployer.deploy(DeployRequest.of("counter", "counter-v2.wasm", COUNTER_V2));
        Member b = member(1);
        b.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER)); // from its own deploy/, say
        b.deployer.deploy(DeployRequest.of("local", "counter.wasm", COUNTER)); // before its rollout started
        await("two members", () -> a.hz.getCluster().getMembers().size() == 2);
        b.roll();
        awaitAll(members, "counter", V2);
        // deployed before the rollout started (its bytes are not kept): stays on b
        assertThat(running(a, "local")).isEmpty();
        assertThat(running(b, "local")).contains(V1);
        assertThat(a.hz.getMap(ModuleRollout.MAP).containsKey("local")).isFalse();
    }

    @Test
    void twoMembersChangingOneTypeAtOnceConvergeOnTheChangeThatReachedTheMapFirst() throws Exception {
        Member a = member(0).roll();
        Member b = member(1).roll();
        await("two members", () -> a.hz.getCluster().getMembers().size() == 2);
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER));
        awaitAll(members, "counter", V1);

        // a has read the entry (version 1) and is about to publish v2 when b publishes the testbed first
        CountDownLatch aRead = new CountDownLatch(1);
        CountDownLatch bPublished = new CountDownLatch(1);
        a.rollout.beforePublish = () -> {
            aRead.countDown();
            try {
                assertThat(bPublished.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        byte[] testbed = Member.wasm("/wasm/rust/testbed.wasm");
        ModuleHash tb = ModuleHash.sha256(testbed);
        AtomicReference<Throwable> aFailed = new AtomicReference<>();
        Thread aDeploys = new Thread(() -> {
            try {
                a.deployer.deploy(DeployRequest.of("counter", "counter-v2.wasm", COUNTER_V2));
            } catch (Throwable e) {
                aFailed.set(e);
            }
        });
        aDeploys.start();
        assertThat(aRead.await(30, TimeUnit.SECONDS)).isTrue();
        b.deployer.deploy(DeployRequest.of("counter", "testbed.wasm", testbed));
        bPublished.countDown();
        aDeploys.join(30_000);
        assertThat(aFailed.get()).isNull(); // a's local deployment itself succeeded, and is then superseded

        awaitAll(members, "counter", tb);
        assertThat(ModuleEntry.decode("counter", a.hz.<String, byte[]>getMap(ModuleRollout.MAP).get("counter"),
                1 << 22).version()).isEqualTo(2);
    }

    @Test
    void aMemberStartingWhileAChangeIsUnderWayLosesItsOwnChangeToTheMap() throws Exception {
        Member a = member(0).roll();
        Member b = member(1);
        await("two members", () -> a.hz.getCluster().getMembers().size() == 2);
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER));
        // b starts, its catch-up held: a deployment on b meanwhile is based on nothing it has seen
        CountDownLatch hold = new CountDownLatch(1);
        b.roll(false, () -> { // set before its start queues the catch-up, so the catch-up cannot run first
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        b.deployer.deploy(DeployRequest.of("counter", "counter-v2.wasm", COUNTER_V2));
        hold.countDown();
        awaitAll(members, "counter", V1);
    }

    @Test
    void aHotUpdateRollsThroughWhileIncrementsFlowOnEveryMemberAndNoneIsLost() throws Exception {
        Member a = member(0).roll();
        Member b = member(1).roll();
        Member c = member(2).roll();
        await("three members", () -> a.hz.getCluster().getMembers().size() == 3);
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER));
        awaitAll(members, "counter", V1);

        AtomicBoolean go = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        List<AtomicInteger> acked = List.of(new AtomicInteger(), new AtomicInteger(), new AtomicInteger());
        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Member m = members.get(i);
            AtomicInteger count = acked.get(i);
            Thread t = new Thread(() -> {
                while (go.get()) {
                    try {
                        call(m, "counter", "hot", "increment", "1");
                        count.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                        e.printStackTrace();
                    }
                }
            });
            t.start();
            senders.add(t);
        }
        await("increments flowing", () -> acked.stream().allMatch(n -> n.get() > 20));
        c.deployer.deploy(DeployRequest.of("counter", "counter-v2.wasm", COUNTER_V2));
        awaitAll(members, "counter", V2);
        int[] at = acked.stream().mapToInt(AtomicInteger::get).toArray();
        await("increments after the update", () -> {
            for (int i = 0; i < 3; i++) {
                if (acked.get(i).get() < at[i] + 20) {
                    return false;
                }
            }
            return true;
        });
        go.set(false);
        for (Thread t : senders) {
            t.join(30_000);
        }
        assertThat(failures.get()).isZero();
        for (int i = 0; i < 3; i++) {
            // one actor per member here (each runtime is its own node in this test): every increment counted once
            assertThat(call(members.get(i), "counter", "hot", "get", "")).isEqualTo(String.valueOf(acked.get(i).get()));
            assertThat(call(members.get(i), "counter", "hot", "version", "")).isEqualTo("2");
        }
    }

    @Test
    void anUndeploymentWhileTheMemberShutsDownStaysOnThatMember() {
        Member a = member(0).roll();
        Member b = member(1).roll(true); // its framework is stopping
        await("two members", () -> a.hz.getCluster().getMembers().size() == 2);
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", COUNTER));
        awaitAll(members, "counter", V1);
        b.deployer.undeploy("counter");
        assertThat(running(b, "counter")).isEmpty();
        a.deployer.deploy(DeployRequest.of("other", "counter.wasm", COUNTER)); // a later change still rolls out
        awaitAll(List.of(a), "other", V1);
        assertThat(running(a, "counter")).contains(V1);
    }
}
