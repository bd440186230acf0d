package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hundred hostile actors at once (looping while they activate, or in every turn) on the default two
 * workers: a healthy actor still answers within seconds, no worker is lost, and the runtime recovers.
 */
@Timeout(120)
class HostileActorsAtScaleTest {
    private static final Duration TIMEOUT = Duration.ofMillis(50);
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofMillis(500)));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aHealthyActorAnswersWhileAHundredHostileOnesActivate() throws Exception {
        ActorLimits limits = ActorLimits.DEFAULTS.withInvocationTimeout(TIMEOUT);
        String[] hostile = {"init-loop-start-section", "init-loop-start", "init-loop-initialize", "init-loop-wapc-init",
            "init-loop-kelpie-on-activate", "endless-loop", "loop-when-actor"};
        for (String h : hostile) {
            fixture.deployWasm(h, RuntimeFixture.module("/wasm/wat/" + h + ".wasm"), limits);
        }
        runtime.deploy(ActorType.nativeType("healthy", () -> (ctx, op, payload) -> "fine".getBytes(UTF_8)));
        List<CompletableFuture<byte[]>> attacks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            attacks.add(runtime.ref(hostile[i % hostile.length], "h" + i).invoke("op", new byte[0]).toCompletableFuture());
        }

        long start = System.nanoTime();
        byte[] answer = runtime.ref("healthy", "ok").invoke("hi", null).toCompletableFuture().get(30, TimeUnit.SECONDS);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        System.out.println("HostileActorsAtScaleTest: the healthy actor waited " + waitedMillis + " ms behind 100 hostile actors");
        assertThat(answer).asString(UTF_8).isEqualTo("fine");
        // 100 hostile activations or turns of 50 ms (plus instantiation) ahead of it on 2 workers: a few seconds, not forever
        assertThat(waitedMillis).as("the healthy actor waited").isLessThan(10_000);
        for (CompletableFuture<byte[]> a : attacks) {
            assertThat(a).failsWithin(Duration.ofSeconds(30));
        }
        assertThat(runtime.activeActors()).as("only the healthy actor is active").isEqualTo(1);
        for (String h : hostile) {
            var stats = runtime.stats(h).orElseThrow();
            assertThat(stats.activeActors()).isZero();
            assertThat(stats.failures()).isEqualTo(stats.invocations());
        }

        // both workers are still there: two turns that wait for each other can only finish in parallel
        CountDownLatch both = new CountDownLatch(2);
        runtime.deploy(ActorType.nativeType("pair", () -> (ctx, op, payload) -> {
            both.countDown();
            return String.valueOf(both.await(5, TimeUnit.SECONDS)).getBytes(UTF_8);
        }));
        var p1 = runtime.ref("pair", "1").invoke("x", null).toCompletableFuture();
        var p2 = runtime.ref("pair", "2").invoke("x", null).toCompletableFuture();
        assertThat(p1.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("true");
        assertThat(p2.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("true");
        assertThat(runtime.ref("healthy", "ok").invoke("again", null).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .asString(UTF_8).isEqualTo("fine");
    }
}
