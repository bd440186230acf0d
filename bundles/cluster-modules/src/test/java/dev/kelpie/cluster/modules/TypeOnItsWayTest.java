package dev.kelpie.cluster.modules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.api.deploy.DeployRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member that has joined owns partitions before it has deployed the cluster's types: a message routed to it
 * for a type the cluster holds waits for the local deployment (held here with a latch on the member's
 * rollout), within the caller's bound; a type the cluster does not hold fails with {@code unknown_type} at once.
 */
@Timeout(120)
class TypeOnItsWayTest {
    final String cluster = "on-its-way-" + UUID.randomUUID();
    final List<Integer> ports = List.of(Member.freePort(), Member.freePort());
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

    /** The first {@code type:prefix-N} that {@code owner} owns, as {@code sender} sees it too. */
    static ActorId ownedBy(Member owner, Member sender, String type, String prefix) {
        for (int i = 0; i < 10_000; i++) {
            ActorId id = new ActorId(type, prefix + "-" + i);
            if (owner.cluster.view().ownerOf(id).map(ClusterMember::local).orElse(false)
                    && sender.cluster.view().ownerOf(id).map(m -> !m.local()).orElse(false)) {
                return id;
            }
        }
        throw new AssertionError("no actor of 10000 is owned by " + owner.rollout.member());
    }

    @Test
    void aMessageForATypeTheOwnerIsStillDeployingWaitsForItWithinItsBoundAndAnUnknownTypeFailsAtOnce() throws Exception {
        Member a = member(0).roll().serve();
        a.deployer.deploy(DeployRequest.of("counter", "counter.wasm", ModuleRolloutTest.COUNTER));
        // deployed on a only, not through its deployer: the cluster does not know this type
        a.runtime.deploy(ActorType.wasm("local", a.registry.install("counter.wasm", ModuleRolloutTest.COUNTER)
                .descriptor().hash()));

        CountDownLatch hold = new CountDownLatch(1);
        Member b = member(1).roll(false, () -> { // b's catch-up of the cluster's types is held
            try {
                hold.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).serve();
        ModuleRolloutTest.await("two members, partitions settled", () -> a.hz.getCluster().getMembers().size() == 2
                && b.hz.getCluster().getMembers().size() == 2 && a.hz.getPartitionService().isClusterSafe()
                && b.hz.getPartitionService().isClusterSafe());
        assertThat(b.runtime.type("counter")).isEmpty();

        // a type the cluster does not hold: unknown_type at once, from b
        ActorId local = ownedBy(b, a, "local", "l");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> a.runtime.ref(local).call("get", new byte[0], Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TYPE);
                    assertThat(e.detail()).contains("no actor type 'local' is deployed");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

        // the cluster's type, while b has not deployed it: UNAVAILABLE naming b and the type once the bound runs out
        ActorId id = ownedBy(b, a, "counter", "c");
        t0 = System.nanoTime();
        assertThatThrownBy(() -> a.runtime.ref(id).call("increment", "1".getBytes(UTF_8), Duration.ofMillis(1500)))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.detail()).contains("member " + b.rollout.member()).contains("type 'counter'")
                            .contains("did not run");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));

        // with time to wait: the message waits for b's deployment, then runs on b
        CompletableFuture<byte[]> reply = a.runtime.ref(id).invoke("increment", "1".getBytes(UTF_8)).toCompletableFuture();
        Thread.sleep(300);
        assertThat(reply).as("waits while b's deployment is held").isNotDone();
        hold.countDown();
        assertThat(new String(reply.get(30, TimeUnit.SECONDS), UTF_8)).as("the refused message did not run").isEqualTo("1");
        assertThat(b.runtime.actors()).anyMatch(x -> x.id().equals(id));
    }
}
