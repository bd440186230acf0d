package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.cluster.ActorRouter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cluster's routing seam: what a bound router decides, the runtime does; checks come first. */
class RouterSeamTest {
    private final RuntimeFixture fixture = new RuntimeFixture();
    private final KelpieActorRuntime runtime = fixture.runtime;
    private final List<String> routed = new CopyOnWriteArrayList<>();
    private final List<Duration> waits = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Actors whose id starts with "r" are "remote": answered by the router with "remote:<op>". */
    private final ActorRouter router = (id, op, payload, maxWait) -> {
        routed.add(id + "/" + op);
        waits.add(maxWait);
        if (id.id().startsWith("boom")) {
            throw new IllegalStateException("router broke");
        }
        return id.id().startsWith("r") ? CompletableFuture.completedFuture(("remote:" + op).getBytes(UTF_8)) : null;
    };

    @Test
    void aBoundRouterDecidesWhereAdmittedMessagesRun() throws Exception {
        runtime.deploy(ActorType.nativeType("n", () -> (ctx, op, p) -> ("local:" + op).getBytes(UTF_8),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(2)).withMaxPayloadBytes(4)));
        runtime.bindRouter(router);
        assertThat(new String(runtime.ref("n", "r1").call("x", new byte[0]), UTF_8)).isEqualTo("remote:x");
        assertThat(new String(runtime.ref("n", "r1").invoke("y", new byte[0]).toCompletableFuture().get(5, TimeUnit.SECONDS),
                UTF_8)).isEqualTo("remote:y");
        assertThat(new String(runtime.ref("n", "l1").call("x", new byte[0]), UTF_8)).isEqualTo("local:x");
        assertThat(runtime.actors()).extracting(a -> a.id().id()).containsExactly("l1");
        // twice the invocation timeout plus the call-wait allowance (30 s by default)
        assertThat(waits.get(1)).isEqualTo(Duration.ofSeconds(34));
        // the runtime's own checks come first: nothing over the payload limit or of an unknown type is routed
        routed.clear();
        assertThatThrownBy(() -> runtime.ref("n", "r2").call("x", new byte[5]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PAYLOAD_TOO_LARGE));
        assertThatThrownBy(() -> runtime.ref("nope", "r2").call("x", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TYPE));
        assertThat(routed).isEmpty();
        // invokeLocal never asks the router
        assertThat(new String(runtime.invokeLocal(ActorId.of("n", "r3"), "z", new byte[0]).toCompletableFuture()
                .get(5, TimeUnit.SECONDS), UTF_8)).isEqualTo("local:z");
        assertThat(routed).isEmpty();
        // a failing router is UNAVAILABLE, not a raw exception
        assertThatThrownBy(() -> runtime.ref("n", "boom").call("x", new byte[0]))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
                    assertThat(e.detail()).contains("router broke");
                });
        // unbound: single-node again
        runtime.unbindRouter(router);
        assertThat(new String(runtime.ref("n", "r1").call("x", new byte[0]), UTF_8)).isEqualTo("local:x");
    }
}
