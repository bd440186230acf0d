package dev.kelpie.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.embedded.Kelpie;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.MvStoreStateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.hc.api.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kelpie health checks against a real runtime and a real store. */
class HealthChecksTest {
    @TempDir
    Path dir;
    private Kelpie kelpie;

    @AfterEach
    void close() {
        if (kelpie != null) {
            kelpie.close();
        }
    }

    @Test
    void theStoreCheckCommitsReadsBackAndDeletesAProbe() {
        MvStoreStateStore store = new MvStoreStateStore(dir);
        try {
            Result ok = new StoreWritableCheck(store).execute();
            assertThat(ok.getStatus()).as(ok.toString()).isEqualTo(Result.Status.OK);
            assertThat(store.get(StoreWritableCheck.PROBE, "probe")).as("the probe is deleted again").isNull();
        } finally {
            store.close();
        }
        Result closed = new StoreWritableCheck(store).execute();
        assertThat(closed.getStatus()).isEqualTo(Result.Status.CRITICAL);
        assertThat(closed.toString()).contains("cannot commit");
    }

    @Test
    void theWorkersCheckIsCriticalWhenQueuedMessagesWaitPastTheTimeoutAndGrace() throws Exception {
        // one worker, held by a turn of a type with a long timeout; a second actor's message waits behind it
        kelpie = Kelpie.builder().runtimeSettings(RuntimeSettings.DEFAULTS.withWorkers(1)).build();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        kelpie.actors().deploy(ActorType.nativeType("hog", () -> (ctx, op, p) -> {
            entered.countDown();
            release.await(20, TimeUnit.SECONDS);
            return p;
        }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(60))));
        kelpie.actors().deploy(ActorType.nativeType("quick", () -> (ctx, op, p) -> p,
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(100))));
        WorkersCheck check = new WorkersCheck(kelpie.actors(), Duration.ZERO);
        assertThat(check.execute().getStatus()).isEqualTo(Result.Status.OK);
        try {
            CompletableFuture<byte[]> quickFirst = kelpie.actors().ref(ActorId.of("quick", "q")).invoke("a", new byte[0])
                    .toCompletableFuture();
            quickFirst.get(20, TimeUnit.SECONDS); // q is active now, and idle
            CompletableFuture<byte[]> hog = kelpie.actors().ref(ActorId.of("hog", "h")).invoke("a", new byte[0])
                    .toCompletableFuture();
            assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<byte[]> waiting = kelpie.actors().ref(ActorId.of("quick", "q")).invoke("b", new byte[0])
                    .toCompletableFuture();
            // q's message cannot run: the only worker is held; past q's 100 ms timeout the check says so
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Result r;
            do {
                Thread.sleep(50);
                r = check.execute();
            } while (r.getStatus() == Result.Status.OK && System.nanoTime() < deadline);
            assertThat(r.getStatus()).isEqualTo(Result.Status.CRITICAL);
            assertThat(r.toString()).contains("workers starved: actor quick:q has 1 queued messages");
            release.countDown();
            hog.get(20, TimeUnit.SECONDS);
            waiting.get(20, TimeUnit.SECONDS);
        } finally {
            release.countDown();
        }
        assertThat(check.execute().getStatus()).isEqualTo(Result.Status.OK);
    }

    @Test
    void theMemoryCheckWarnsAndGoesCriticalAsTheBudgetFills() throws Exception {
        kelpie = Kelpie.builder().build();
        long limit = kelpie.actors().memoryBudgetBytes().orElseThrow();
        assertThat(new MemoryBudgetCheck(kelpie.actors(), 90, 99).execute().getStatus()).isEqualTo(Result.Status.OK);
        kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")));
        kelpie.actor("counter", "c1").call("get", new byte[0]);
        long used = kelpie.actors().memoryBudgetUsedBytes().orElseThrow();
        assertThat(used).isPositive();
        // thresholds just under and over what one actor holds
        int percent = (int) Math.floor(100.0 * used / limit);
        if (percent >= 1) {
            assertThat(new MemoryBudgetCheck(kelpie.actors(), percent, 100).execute().getStatus()).isEqualTo(Result.Status.WARN);
            assertThat(new MemoryBudgetCheck(kelpie.actors(), percent, percent).execute().getStatus())
                    .isEqualTo(Result.Status.CRITICAL);
        }
        assertThat(new MemoryBudgetCheck(kelpie.actors(), 100, 100).execute().toString()).contains("bytes of the memory budget");
        assertThatThrownBy(() -> new MemoryBudgetCheck(kelpie.actors(), 95, 90)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory_critical_percent");
    }

    @Test
    void jsonIsEscaped() {
        assertThat(HealthServlet.quote("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\u000ad\\u0001\"");
    }

    static byte[] resource(String path) throws java.io.IOException {
        try (java.io.InputStream in = HealthChecksTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }
}
