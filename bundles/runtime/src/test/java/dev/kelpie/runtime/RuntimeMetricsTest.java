package dev.kelpie.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.actor.LatencyStats;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the runtime counts for metrics: failures by reason, the store's commit latency, the memory budget. */
@Timeout(60)
class RuntimeMetricsTest {
    private final RuntimeFixture fixture = new RuntimeFixture();
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void failuresAndRejectionsAreCountedByReason() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        runtime.deploy(ActorType.nativeType("m", () -> (ctx, op, payload) -> {
            switch (op) {
                case "fail": throw new IllegalStateException("no");
                case "block":
                    entered.countDown();
                    release.await(20, TimeUnit.SECONDS);
                    return new byte[0];
                default:
                    ctx.state().put("k", payload);
                    return payload;
            }
        }, ActorLimits.DEFAULTS.withMailboxCapacity(1).withMaxPayloadBytes(8)));
        ActorRef a = runtime.ref("m", "a");
        a.invoke("fail", new byte[0]).toCompletableFuture().handle((v, t) -> t).get(20, TimeUnit.SECONDS);
        a.invoke("fail", new byte[0]).toCompletableFuture().handle((v, t) -> t).get(20, TimeUnit.SECONDS);
        a.invoke("put", new byte[9]).toCompletableFuture().handle((v, t) -> t).get(20, TimeUnit.SECONDS);
        CompletableFuture<byte[]> running = a.invoke("block", new byte[0]).toCompletableFuture();
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<byte[]> queued = a.invoke("put", new byte[1]).toCompletableFuture();
        a.invoke("put", new byte[1]).toCompletableFuture().handle((v, t) -> t).get(20, TimeUnit.SECONDS); // mailbox full
        release.countDown();
        running.get(20, TimeUnit.SECONDS);
        queued.get(20, TimeUnit.SECONDS);

        ActorTypeStats s = runtime.stats("m").orElseThrow();
        assertThat(s.failuresByReason()).containsOnly(
                java.util.Map.entry("actor_error", 2L), java.util.Map.entry("mailbox_full", 1L),
                java.util.Map.entry("payload_too_large", 1L));
        assertThat(s.failures()).isEqualTo(2);
        assertThat(s.rejected()).isEqualTo(2);
    }

    @Test
    void storeCommitsOfTurnsWithWritesAreTimed() throws Exception {
        runtime.deploy(ActorType.nativeType("w", () -> (ctx, op, payload) -> {
            if (op.equals("write")) {
                ctx.state().put("k", payload);
            }
            return payload;
        }));
        ActorRef w = runtime.ref("w", "a");
        w.call("read", new byte[0]);
        assertThat(runtime.storeCommitLatency()).get().extracting(LatencyStats::count).isEqualTo(0L);
        w.call("write", "x".getBytes(StandardCharsets.UTF_8));
        w.call("write", "y".getBytes(StandardCharsets.UTF_8));
        LatencyStats commits = runtime.storeCommitLatency().orElseThrow();
        assertThat(commits.count()).isEqualTo(2);
        assertThat(commits.maxMicros()).isGreaterThanOrEqualTo(commits.p50Micros());
    }

    @Test
    void theMemoryBudgetAndItsUseAreReported() {
        assertThat(runtime.memoryBudgetBytes()).hasValue(fixture.runtime.memoryBudget().limit());
        assertThat(runtime.memoryBudgetUsedBytes()).hasValue(0);
    }
}
