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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scheduling is fair: actors whose every turn runs to the timeout delay others by about one turn per worker. */
@Timeout(90)
class FairnessTest {
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofMillis(200)));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aQuickActorAnswersWithinAboutOneTurnBehindTwoActorsThatSpinToTheTimeout() throws Exception {
        fixture.deployWasm("spin", RuntimeFixture.module("/wasm/wat/endless-loop.wasm"),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(1)));
        runtime.deploy(ActorType.nativeType("quick", () -> (ctx, op, payload) -> "here".getBytes(UTF_8)));
        List<CompletableFuture<byte[]>> spins = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            spins.add(runtime.ref("spin", "a").invoke("spin", new byte[0]).toCompletableFuture());
            spins.add(runtime.ref("spin", "b").invoke("spin", new byte[0]).toCompletableFuture());
        }
        Thread.sleep(300); // both workers are inside a spinning turn now

        long start = System.nanoTime();
        byte[] answer = runtime.ref("quick", "q").invoke("hello", null).toCompletableFuture().get(30, TimeUnit.SECONDS);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        System.out.println("FairnessTest: the quick actor waited " + waitedMillis + " ms behind two actors spinning to a 1 s timeout");
        assertThat(answer).asString(UTF_8).isEqualTo("here");
        assertThat(waitedMillis).as("waited behind the spinning actors").isLessThan(2_500);
        spins.forEach(f -> f.cancel(false));
    }
}
