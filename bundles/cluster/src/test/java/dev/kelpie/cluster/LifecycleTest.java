package dev.kelpie.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.cluster.Members.Member;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Members start, answer, and leave without leaving threads behind; a runtime without its router is single-node again. */
@Timeout(120)
class LifecycleTest {

    @Test
    void closedMembersLeaveNoThreadsBehind() throws Exception {
        Members cluster = new Members(2, Duration.ZERO, Members::deployCounter);
        Member a;
        Member b;
        try {
            a = cluster.start();
            b = cluster.start();
            cluster.awaitFormed();
            ActorId onB = Members.ownedBy(b, "counter", "t");
            assertThat(new String(a.runtime.ref(onB).call("increment", new byte[0]), UTF_8)).isEqualTo("1");
            assertThat(a.cluster.where(onB)).contains(b.address()).contains(": active");
            assertThat(b.cluster.where(onB)).contains(b.address()).contains("(this member): active");
            assertThat(threadsOf(cluster.name)).isNotEmpty();
        } finally {
            cluster.close();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<String> left = threadsOf(cluster.name);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = threadsOf(cluster.name);
        }
        assertThat(left).as("threads of the closed members").isEmpty();
    }

    @Test
    void aLeftMembersRuntimeFailsRoutedCallsWithUnavailableAndWithoutRouterRunsLocally() throws Exception {
        Members cluster = new Members(2, Duration.ZERO, Members::deployCounter);
        try {
            Member a = cluster.start();
            Member b = cluster.start();
            cluster.awaitFormed();
            ActorId onB = Members.ownedBy(b, "counter", "u");
            a.cluster.close(); // a's runtime still has the router bound
            assertThatThrownBy(() -> a.runtime.ref(onB).call("increment", new byte[0]))
                    .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                        assertThat(e.detail()).contains(a.address()).contains("left the cluster");
                    });
            a.runtime.unbindRouter(a.router);
            assertThat(new String(a.runtime.ref(onB).call("increment", new byte[0]), UTF_8)).isEqualTo("1");
            assertThat(a.active(onB)).isTrue();
        } finally {
            cluster.close();
        }
    }

    private static List<String> threadsOf(String clusterName) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.contains("kelpie-" + clusterName) || n.startsWith("kelpie-cluster-"))
                .sorted().collect(Collectors.toList());
    }
}
