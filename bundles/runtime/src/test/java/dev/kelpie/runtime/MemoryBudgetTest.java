package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.WapcSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime-wide linear-memory budget: the budget itself, and with the real waPC host drawing on it,
 * LRU passivation to make room and RESOURCE_EXHAUSTED when there is none. Also the dropped-output-line
 * counter in the type's stats.
 */
@Timeout(60)
class MemoryBudgetTest {

    @Test
    void reservationsStayWithinTheLimitAndAccountsGiveBackWhatTheyHold() {
        ActorMemoryBudget budget = new ActorMemoryBudget(1000);
        ActorMemoryBudget.Account a = budget.account();
        ActorMemoryBudget.Account b = budget.account();

        assertThat(a.tryReserve(600)).isTrue();
        assertThat(b.tryReserve(500)).isFalse();
        assertThat(b.refusedBytes()).isEqualTo(500);
        assertThat(b.held()).isZero();
        assertThat(b.tryReserve(400)).isTrue();
        assertThat(budget.available()).isZero();
        assertThat(a.tryReserve(-1)).isFalse();

        a.release(100);
        assertThat(a.held()).isEqualTo(500);
        a.release(10_000); // more than it holds: gives back only what it holds
        assertThat(a.held()).isZero();
        assertThat(budget.used()).isEqualTo(400);
        b.releaseAll();
        b.releaseAll();
        assertThat(budget.used()).isZero();
        b.clearRefusal();
        assertThat(b.refusedBytes()).isZero();
    }

    @Test
    void concurrentReservationsNeverOverdrawTheBudget() throws Exception {
        ActorMemoryBudget budget = new ActorMemoryBudget(10_000);
        AtomicLong maxSeen = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int t = 0; t < 4; t++) {
                pool.submit(() -> {
                    ActorMemoryBudget.Account account = budget.account();
                    for (int i = 0; i < 20_000; i++) {
                        if (account.tryReserve(ThreadLocalRandom.current().nextInt(1, 3000))) {
                            maxSeen.accumulateAndGet(budget.used(), Math::max);
                            account.releaseAll();
                        }
                    }
                });
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(budget.used()).isZero();
        assertThat(maxSeen.get()).isLessThanOrEqualTo(10_000);
    }

    private static long counterInitialBytes() {
        return (long) RuntimeFixture.REGISTRY.find(RuntimeFixture.counter()).orElseThrow().descriptor().memory().initialPages()
                * 65536;
    }

    /** The memory a counter actor holds after activation and one {@code op} (its allocator may grow it). */
    private static long counterFootprint(String op, String payload) throws Exception {
        try (RuntimeFixture f = fixture(1L << 30)) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            f.runtime.deploy(dev.kelpie.api.actor.ActorType.nativeType("blocker", () -> (ctx, o, p) -> "released".getBytes(UTF_8)));
            f.runtime.ref("counter", "probe").call(op, payload.getBytes(UTF_8));
            return f.runtime.memoryBudget().used();
        }
    }

    private static RuntimeFixture fixture(long budgetBytes) {
        return new RuntimeFixture(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withWorkers(2)
                .withMaxTotalMemoryBytes(budgetBytes).withShutdownGrace(Duration.ofMillis(500)));
    }

    private static List<String> active(KelpieActorRuntime runtime) {
        return runtime.actors().stream().map(ActiveActor::id).map(ActorId::toString).collect(Collectors.toList());
    }

    @Test
    void anActivationThatDoesNotFitPassivatesTheLeastRecentlyUsedIdleActor() throws Exception {
        long size = counterFootprint("increment", "");
        try (RuntimeFixture f = fixture(2 * size + size / 2)) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            f.runtime.ref("counter", "a").call("increment", new byte[0]);
            Thread.sleep(5);
            f.runtime.ref("counter", "b").call("increment", new byte[0]);
            assertThat(f.runtime.memoryBudget().used()).isEqualTo(2 * size);

            assertThat(f.runtime.ref("counter", "c").call("increment", new byte[0])).asString(UTF_8).isEqualTo("1");

            assertThat(active(f.runtime)).containsExactly("counter:b", "counter:c");
            assertThat(f.runtime.memoryBudget().used()).isEqualTo(2 * size);
            assertThat(f.runtime.ref("counter", "a").call("get", new byte[0])).as("a's state is durable, b made room")
                    .asString(UTF_8).isEqualTo("1");
            assertThat(active(f.runtime)).containsExactly("counter:a", "counter:c");
        }
    }

    @Test
    void anActivationThatCannotFitFailsWithResourceExhaustedNamingBytesAndBudget() throws Exception {
        long size = counterInitialBytes();
        try (RuntimeFixture f = fixture(size - 65536)) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            try {
                f.runtime.ref("counter", "big").invoke("increment", new byte[0]).toCompletableFuture().get(10, TimeUnit.SECONDS);
                throw new AssertionError("must not fit");
            } catch (ExecutionException e) {
                ActorInvocationException x = (ActorInvocationException) e.getCause();
                assertThat(x.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
                assertThat(x.getMessage()).contains("counter:big", "needs " + size + " more bytes",
                        "memory budget of " + (size - 65536) + " bytes", "max_total_memory_bytes");
            }
            assertThat(f.runtime.memoryBudget().used()).isZero();
            assertThat(f.runtime.activeActors()).isZero();
        }
    }

    @Test
    void anActorInATurnIsNotPassivatedToMakeRoom() throws Exception {
        long size = counterFootprint("call", "blocker\nx\ngo\n");
        try (RuntimeFixture f = fixture(size + counterInitialBytes() - 65536)) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
            CountDownLatch inTurn = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            f.runtime.deploy(dev.kelpie.api.actor.ActorType.nativeType("blocker", () -> (ctx, op, payload) -> {
                inTurn.countDown();
                release.await(10, TimeUnit.SECONDS);
                return "released".getBytes(UTF_8);
            }));
            // counter:busy holds the whole budget and stays in its turn, waiting for blocker:x
            var busy = f.runtime.ref("counter", "busy").invoke("call", "blocker\nx\ngo\n".getBytes(UTF_8)).toCompletableFuture();
            assertThat(inTurn.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                f.runtime.ref("counter", "other").invoke("increment", new byte[0]).toCompletableFuture().get(10, TimeUnit.SECONDS);
                throw new AssertionError("must not fit while counter:busy is in its turn");
            } catch (ExecutionException e) {
                ActorInvocationException x = (ActorInvocationException) e.getCause();
                assertThat(x.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
                assertThat(x.detail()).contains("no idle actor holds enough");
            }
            release.countDown();
            assertThat(busy.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("released");
        }
    }

    @Test
    void everyInstanceDrawsOnTheBudgetAndGetsTheTypesPayloadCap() throws Exception {
        List<InstanceOptions> seen = new CopyOnWriteArrayList<>();
        try (RuntimeFixture f = new RuntimeFixture(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withWorkers(1),
                WapcSettings.DEFAULTS, real -> new WapcHost() {
                    @Override
                    public WapcInstance instantiate(CompiledModule module, InstanceOptions options) {
                        seen.add(options);
                        return real.instantiate(module, options);
                    }

                    @Override
                    public List<HostFunctionKey> hostFunctions() {
                        return real.hostFunctions();
                    }

                    @Override
                    public List<String> guestAdapters() {
                        return real.guestAdapters();
                    }
                })) {
            f.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS.withMaxPayloadBytes(5000));
            f.runtime.ref("counter", "a").call("increment", new byte[0]);

            assertThat(seen).hasSize(1);
            assertThat(seen.get(0).memoryBudget()).isNotNull();
            assertThat(seen.get(0).maxPayloadBytes()).isEqualTo(5000 + Activation.HOST_BUFFER_ALLOWANCE);
            assertThat(f.runtime.memoryBudget().used()).isPositive();
            f.runtime.deactivate(new ActorId("counter", "a")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(f.runtime.memoryBudget().used()).as("all given back at passivation").isZero();
        }
    }

    @Test
    void droppedOutputLinesAreSummedPerType() throws Exception {
        // one line a second (a burst of two): most of twenty quick lines are dropped by the host
        try (RuntimeFixture f = new RuntimeFixture(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withWorkers(1),
                WapcSettings.DEFAULTS.withOutputRate(1, 0))) {
            f.deployWasm("tb", RuntimeFixture.testbed(), ActorLimits.DEFAULTS);
            for (int i = 0; i < 10; i++) {
                f.runtime.ref("tb", "a").call("log", ("line " + i).getBytes(UTF_8));
            }
            assertThat(f.runtime.deactivate(new ActorId("tb", "a")).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                f.runtime.ref("tb", "b").call("log", ("line " + i).getBytes(UTF_8));
            }

            long dropped = f.runtime.stats("tb").orElseThrow().droppedOutputLines();
            long written = f.console.stream().filter(l -> l.contains("line ")).count();
            assertThat(dropped).isBetween(10L, 18L);
            assertThat(dropped + written).as("every line was either written or counted as dropped").isEqualTo(20);
        }
    }
}
