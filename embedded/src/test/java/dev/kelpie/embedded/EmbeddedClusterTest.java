package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.cluster.ClusterMember;
import dev.kelpie.cluster.KelpieCluster;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two embedded Kelpies form a cluster: an actor is active on its member only, and answers through either. */
@Timeout(120)
class EmbeddedClusterTest {

    @Test
    void twoEmbeddedMembersShareTheirActors() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        String members = "127.0.0.1:" + p1 + ",127.0.0.1:" + p2;
        String name = "embedded-" + Long.toHexString(System.nanoTime());
        byte[] counter = resource("/wasm/rust/counter.wasm");
        try (Kelpie k1 = Kelpie.builder().cluster(KelpieCluster.builder().name(name).port(p1).members(members)).build();
                Kelpie k2 = Kelpie.builder().cluster(KelpieCluster.builder().name(name).port(p2).members(members)).build()) {
            k1.deploy("counter", k1.load("counter.wasm", counter));
            k2.deploy("counter", k2.load("counter.wasm", counter));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (k1.cluster().orElseThrow().view().members().size() < 2 || k2.cluster().orElseThrow().view().members().size() < 2) {
                assertThat(System.nanoTime()).as("the two members see each other within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            // an actor the second member owns, incremented through both
            ActorId id = null;
            for (int i = 0; id == null; i++) {
                ActorId c = ActorId.of("counter", "e" + i);
                if (k2.cluster().orElseThrow().view().ownerOf(c).map(ClusterMember::local).orElse(false)) {
                    id = c;
                }
            }
            assertThat(new String(k1.actors().ref(id).call("increment", new byte[0]), UTF_8)).isEqualTo("1");
            assertThat(new String(k2.actors().ref(id).call("increment", new byte[0]), UTF_8)).isEqualTo("2");
            ActorId finalId = id;
            assertThat(k1.actors().actors()).noneMatch(a -> a.id().equals(finalId));
            assertThat(k2.actors().actors()).anyMatch(a -> a.id().equals(finalId));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = EmbeddedClusterTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }
}
