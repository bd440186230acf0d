package dev.kelpie.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog's work per tick is bounded by the turns in progress, not by the actors: it looks only at
 * the activations that a worker or a caller is running ({@link TurnSlot}s).
 */
@Timeout(120)
class DeadlineTrackingTest {
    private static final int IDLE_ACTORS = 100_000;
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofSeconds(1)));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void aHundredThousandIdleActiveActorsAddNoWatchdogWorkAndTimeoutsStillFireOnTime() throws Exception {
        runtime.deploy(ActorType.nativeType("idle", () -> (ctx, op, payload) -> new byte[0]));
        CompletableFuture<?>[] first = new CompletableFuture<?>[IDLE_ACTORS];
        for (int i = 0; i < IDLE_ACTORS; i++) {
            first[i] = runtime.ref("idle", "i" + i).invoke("x", null).toCompletableFuture();
        }
        CompletableFuture.allOf(first).get(60, TimeUnit.SECONDS);
        assertThat(runtime.activeActors()).isEqualTo(IDLE_ACTORS);

        AtomicInteger ticks = new AtomicInteger();
        AtomicInteger visits = new AtomicInteger();
        runtime.testHooks = new TestHooks() {
            @Override
            void watchdogTick() {
                ticks.incrementAndGet();
            }

            @Override
            void deadlineChecked(Activation a) {
                visits.incrementAndGet();
            }
        };
        NativeActorRuntimeTest.waitUntil(() -> ticks.get() >= 20, Duration.ofSeconds(10));
        assertThat(visits).as("no turn in progress: nothing to look at").hasValue(0);

        // one turn in progress among the 100,000: the watchdog looks at it (about once a tick) and times it out
        fixture.deployWasm("spin", RuntimeFixture.module("/wasm/wat/endless-loop.wasm"),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(200)));
        runtime.ref("spin", "warm").invoke("spin", new byte[0]); // activation out of the way
        NativeActorRuntimeTest.waitUntil(() -> runtime.stats("spin").orElseThrow().timeouts() == 1, Duration.ofSeconds(10));
        int ticksBefore = ticks.get();
        visits.set(0);
        long start = System.nanoTime();
        Throwable t = null;
        try {
            runtime.ref("spin", "warm").invoke("spin", new byte[0]).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            t = e.getCause();
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int ticksDuring = ticks.get() - ticksBefore;

        assertThat(t).isInstanceOfSatisfying(ActorInvocationException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT));
        assertThat(tookMillis).as("timed out on time").isBetween(190L, 1_500L);
        assertThat(visits.get()).as("visits while one turn ran over %d ticks", ticksDuring)
                .isPositive().isLessThanOrEqualTo(2 * (ticksDuring + 1));
        System.out.println("DeadlineTrackingTest: " + IDLE_ACTORS + " idle actors, " + ticksDuring + " ticks, "
                + visits.get() + " visits, timeout after " + tookMillis + " ms");
    }
}
