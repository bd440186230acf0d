package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The caller-runs fast path of {@code ActorRef.call}: a caller runs an idle WASM actor's turn on its own
 * thread, one turn at a time per actor, never ahead of queued messages, under the watchdog, counted in the
 * stats, and handing later messages to the pool. The races are forced with a store that holds the
 * counter's read of {@code count} (so a turn is provably in progress) and {@link TestHooks}.
 */
@Timeout(60)
class CallerRunsTest {
    private final GateStore store = new GateStore();
    private RuntimeFixture fixture = new RuntimeFixture(store,
            RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofSeconds(5)));
    private KelpieActorRuntime runtime = fixture.runtime;
    private final ModuleHash counter = RuntimeFixture.counter();

    @AfterEach
    void tearDown() {
        store.open(); // never leave a turn held
        fixture.close();
    }

    private void deployCounter(Duration timeout) {
        fixture.deployWasm("counter", counter, ActorLimits.DEFAULTS.withInvocationTimeout(timeout));
    }

    /** Runs {@code ref.call(op)} on a new thread named {@code name}. */
    private static CompletableFuture<String> callOn(String name, ActorRef ref, String op) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(new String(ref.call(op, null), UTF_8));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return result;
    }

    @Test
    void aCallToAnIdleWasmActorRunsOnTheCallersThreadAndIsCounted() {
        deployCounter(Duration.ofSeconds(5));
        AtomicInteger claims = new AtomicInteger();
        runtime.testHooks = new TestHooks() {
            @Override
            void callerRunClaimed(Activation a) {
                claims.incrementAndGet();
            }
        };
        ActorRef ref = runtime.ref("counter", "c");

        assertThat(ref.call("increment", null)).asString(UTF_8).isEqualTo("1"); // activates on this thread too
        assertThat(ref.call("increment", null)).asString(UTF_8).isEqualTo("2");

        assertThat(claims).hasValue(2);
        assertThat(store.countReaders).containsOnly(Thread.currentThread().getName());
        var stats = runtime.stats("counter").orElseThrow();
        assertThat(stats.invocations()).isEqualTo(2);
        assertThat(stats.activations()).isEqualTo(1);
        assertThat(runtime.actors()).singleElement().satisfies(a -> assertThat(a.queued()).isZero());
    }

    @Test
    void aMessageArrivingWhileACallerRunsTheTurnWaitsAndThenRunsOnThePool() throws Exception {
        deployCounter(Duration.ofSeconds(5));
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("get", null); // active
        store.close();

        CompletableFuture<String> caller = callOn("caller-1", ref, "increment");
        assertThat(store.entered.await(5, TimeUnit.SECONDS)).as("the caller's turn is in progress").isTrue();
        CompletableFuture<byte[]> sent = ref.invoke("increment", null).toCompletableFuture();
        CompletableFuture<byte[]> sent2 = ref.invoke("increment", null).toCompletableFuture();
        Thread.sleep(50);
        assertThat(sent).as("one turn at a time: it waits for the caller's").isNotDone();
        store.open();

        assertThat(caller.get(5, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(sent.get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("2");
        assertThat(sent2.get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("3");
        assertThat(store.countReaders.subList(1, 4)).as("the caller ran its turn, the pool the later ones")
                .satisfiesExactly(n -> assertThat(n).isEqualTo("caller-1"), n -> assertThat(n).startsWith("kelpie-actor-"),
                        n -> assertThat(n).startsWith("kelpie-actor-"));
    }

    @Test
    void aCallNeverOvertakesQueuedMessages() throws Exception {
        fixture.close();
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withWorkers(1).withShutdownGrace(Duration.ofSeconds(2)));
        runtime = fixture.runtime;
        deployCounter(Duration.ofSeconds(5));
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        runtime.deploy(ActorType.nativeType("blocker", () -> (ctx, op, payload) -> {
            blocking.countDown();
            release.await(10, TimeUnit.SECONDS);
            return new byte[0];
        }));
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("get", null);
        runtime.ref("blocker", "b").invoke("x", null); // holds the only worker
        assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(ref.invoke("increment", null).toCompletableFuture());
        }

        CompletableFuture<String> caller = callOn("caller-1", ref, "increment");
        Thread.sleep(50);
        assertThat(caller).as("it waits behind the queued messages").isNotDone();
        release.countDown();

        assertThat(caller.get(5, TimeUnit.SECONDS)).isEqualTo("4");
        for (int i = 0; i < 3; i++) {
            assertThat(queued.get(i).get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo(Integer.toString(i + 1));
        }
        assertThat(store.countReaders).doesNotContain("caller-1");
    }

    @Test
    void aCallerRunTurnPastItsTimeoutFailsRollsBackAndLeavesTheCallerUninterrupted() {
        // the invocation timeout bounds the activations too: generous, so that a loaded machine does not fail one
        deployCounter(Duration.ofSeconds(1));
        AtomicInteger claims = new AtomicInteger();
        runtime.testHooks = new TestHooks() {
            @Override
            void callerRunClaimed(Activation a) {
                claims.incrementAndGet();
            }
        };
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("increment", null);

        long start = System.nanoTime();
        assertThatThrownBy(() -> ref.call("add_then_spin", null))
                .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                    assertThat(e.detail()).contains("invocation timeout of 1000 ms", "rolled back");
                });
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(claims).as("both ran on this thread").hasValue(2);
        assertThat(tookMillis).isBetween(990L, 4_000L);
        assertThat(Thread.currentThread().isInterrupted()).as("the watchdog's interrupt was absorbed").isFalse();
        assertThat(runtime.stats("counter").orElseThrow().timeouts()).isEqualTo(1);
        assertThat(ref.call("get", null)).asString(UTF_8).as("the spin's write was rolled back").isEqualTo("1");
    }

    @Test
    void aCallerInterruptedBeforeCallingKeepsItsInterruptAndTheMessageStillRuns() throws Exception {
        deployCounter(Duration.ofSeconds(5));
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("get", null);

        // the turn on the worker is held on its read until the caller has given up: without this, a worker
        // that finishes before the caller starts waiting hands back a completed reply, and nothing throws
        store.close();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> ref.call("increment", null))
                    .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                        assertThat(e.detail()).contains("caller was interrupted");
                    });
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's own interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
            store.open();
        }
        NativeActorRuntimeTest.waitUntil(() -> "1".equals(new String(ref.call("get", null), UTF_8)), Duration.ofSeconds(5));
        assertThat(store.countReaders).as("it ran on a worker").anyMatch(n -> n.startsWith("kelpie-actor-"));
    }

    @Test
    void shutdownDuringACallerRunTurnLetsItFinishAndThenPassivatesTheActor() throws Exception {
        deployCounter(Duration.ofSeconds(5));
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("get", null);
        store.close();
        CompletableFuture<String> caller = callOn("caller-1", ref, "increment");
        assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(runtime::close);
        NativeActorRuntimeTest.waitUntil(this::refusesAsShutDown, Duration.ofSeconds(5));
        assertThat(closing).as("close waits for the turn in progress").isNotDone();
        store.open();

        assertThat(caller.get(5, TimeUnit.SECONDS)).isEqualTo("1");
        closing.get(4, TimeUnit.SECONDS); // well within its 5 s grace and 5 s passivation wait
        assertThat(runtime.actors()).as("passivated after the caller's turn").isEmpty();
        assertThat(new String(store.get(new ActorId("counter", "c"), "count"), UTF_8)).isEqualTo("1");
    }

    /** Whether the runtime refuses messages as shut down (asked with a type that does not exist: nothing is queued). */
    private boolean refusesAsShutDown() {
        CompletableFuture<byte[]> f = runtime.ref("no-such-type", "x").invoke("x", null).toCompletableFuture();
        return f.isCompletedExceptionally() && f.handle((r, e) -> e instanceof ActorInvocationException
                && ((ActorInvocationException) e).reason() == Reason.SHUT_DOWN).join();
    }

    @Test
    void aRedeployDuringACallerRunTurnWaitsForItThenRunsHeldMessagesOnTheNewCode() throws Exception {
        deployCounter(Duration.ofSeconds(5));
        ActorRef ref = runtime.ref("counter", "c");
        ref.call("get", null);
        store.close();
        CompletableFuture<String> caller = callOn("caller-1", ref, "increment");
        assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> suspending = CompletableFuture.supplyAsync(() -> runtime.suspend("counter"));
        NativeActorRuntimeTest.waitUntil(() -> runtime.isSuspended("counter"), Duration.ofSeconds(5));
        CompletableFuture<String> heldCall = callOn("caller-2", ref, "increment");
        Thread.sleep(50);
        assertThat(suspending).as("the suspension waits for the caller's turn").isNotDone();
        store.open();

        assertThat(caller.get(5, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(suspending.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(runtime.actors()).as("passivated for the update").isEmpty();
        Thread.sleep(50);
        assertThat(heldCall).as("held while suspended").isNotDone();
        deployCounter(Duration.ofSeconds(5));
        assertThat(heldCall.get(5, TimeUnit.SECONDS)).isEqualTo("2");
    }

    @Test
    void atMostCallerRunTurnsCallersRunTurnsAtOnceTheRestUseThePool() throws Exception {
        fixture.close();
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withWorkers(2).withCallerRunTurns(1)
                .withShutdownGrace(Duration.ofSeconds(2)));
        runtime = fixture.runtime;
        deployCounter(Duration.ofSeconds(5));
        runtime.ref("counter", "a").call("get", null);
        runtime.ref("counter", "b").call("get", null);
        store.close();
        CompletableFuture<String> first = callOn("caller-1", runtime.ref("counter", "a"), "increment");
        assertThat(store.entered.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<String> second = callOn("caller-2", runtime.ref("counter", "b"), "increment");
        assertThat(second.get(5, TimeUnit.SECONDS)).as("ran while the only caller slot was taken").isEqualTo("1");
        store.open();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(store.countReaders).contains("caller-1").doesNotContain("caller-2");
    }

    @Test
    void withCallerRunTurnsOffEveryCallGoesThroughThePool() {
        fixture.close();
        fixture = new RuntimeFixture(store, RuntimeSettings.DEFAULTS.withCallerRunTurns(0).withShutdownGrace(Duration.ofSeconds(2)));
        runtime = fixture.runtime;
        deployCounter(Duration.ofSeconds(5));
        assertThat(runtime.ref("counter", "a").call("increment", null)).asString(UTF_8).isEqualTo("1");
        assertThat(store.countReaders).allMatch(n -> n.startsWith("kelpie-actor-"));
    }

    @Test
    void nativeActorsAndShortWaitsStayOnThePool() {
        deployCounter(Duration.ofSeconds(5));
        runtime.deploy(ActorType.nativeType("native", () -> (ctx, op, payload) ->
                Thread.currentThread().getName().getBytes(UTF_8)));
        assertThat(runtime.ref("native", "n").call("x", null)).asString(UTF_8).startsWith("kelpie-actor-");
        // a wait shorter than passivation + activation + turn could not bound a turn run here
        assertThat(runtime.ref("counter", "c").call("increment", null, Duration.ofSeconds(14))).asString(UTF_8).isEqualTo("1");
        assertThat(store.countReaders).allMatch(n -> n.startsWith("kelpie-actor-"));
    }

    @Test
    void manyCallersAndSendersOnFewActorsLoseNoTurnAndRunNoneTwice() throws Exception {
        deployCounter(Duration.ofSeconds(10));
        int actors = 4;
        int callers = 4;
        int perCaller = 300;
        List<Set<String>> seen = new ArrayList<>();
        for (int i = 0; i < actors; i++) {
            seen.add(java.util.Collections.synchronizedSet(new HashSet<>()));
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int me = c;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < perCaller; i++) {
                        int target = (i + me) % actors;
                        String v = new String(runtime.ref("counter", "s" + target).call("increment", null), UTF_8);
                        assertThat(seen.get(target).add(v)).as("value %s of s%s given twice", v, target).isTrue();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "caller-" + c));
        }
        List<CompletableFuture<byte[]>> sent = new CopyOnWriteArrayList<>();
        threads.add(new Thread(() -> {
            for (int i = 0; i < perCaller; i++) {
                sent.add(runtime.ref("counter", "s" + (i % actors)).invoke("increment", null).toCompletableFuture());
            }
        }, "sender"));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(failure.get()).isNull();
        for (CompletableFuture<byte[]> f : sent) {
            String v = new String(f.get(10, TimeUnit.SECONDS), UTF_8);
            int target = sent.indexOf(f) % actors;
            assertThat(seen.get(target).add(v)).as("value %s of s%s given twice", v, target).isTrue();
        }
        int total = 0;
        for (int i = 0; i < actors; i++) {
            int count = Integer.parseInt(new String(runtime.ref("counter", "s" + i).call("get", null), UTF_8));
            assertThat(seen.get(i)).hasSize(count);
            total += count;
        }
        assertThat(total).isEqualTo(callers * perCaller + perCaller);
        assertThat(store.countReaders).anyMatch(n -> n.startsWith("caller-"));
    }

    /** An in-memory store whose read of {@code count} can be held (once per {@link #close}), recording who reads it. */
    static final class GateStore implements StateStore {
        private final InMemoryStateStore inner = new InMemoryStateStore();
        final List<String> countReaders = new CopyOnWriteArrayList<>();
        volatile CountDownLatch entered = new CountDownLatch(1);
        private volatile CountDownLatch release = new CountDownLatch(0);
        private volatile boolean armed;

        /** The next read of {@code count} waits (at most 10 s) until {@link #open}. */
        void close() {
            entered = new CountDownLatch(1);
            release = new CountDownLatch(1);
            armed = true;
        }

        void open() {
            armed = false;
            release.countDown();
        }

        @Override
        public byte[] get(ActorId actor, String key) {
            if (key.equals("count")) {
                countReaders.add(Thread.currentThread().getName());
                if (armed) {
                    armed = false;
                    entered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while held");
                    }
                }
            }
            return inner.get(actor, key);
        }

        @Override
        public List<String> keys(ActorId actor, String prefix) {
            return inner.keys(actor, prefix);
        }

        @Override
        public void commit(ActorId actor, Map<String, byte[]> changes) {
            inner.commit(actor, changes);
        }

        @Override
        public String describe() {
            return "gate over " + inner.describe();
        }
    }
}
