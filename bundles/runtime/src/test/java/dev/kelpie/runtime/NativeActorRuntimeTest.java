package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.actor.MailboxFullException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runtime's rules with native Java actors: activation, mailboxes, turns, state, limits, lifecycle. */
@Timeout(60)
class NativeActorRuntimeTest {
    private final RuntimeFixture fixture = new RuntimeFixture();
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static Throwable failureOf(CompletableFuture<byte[]> f) {
        return f.handle((v, t) -> t instanceof java.util.concurrent.CompletionException ? t.getCause() : t).join();
    }

    private static ActorInvocationException invocationFailure(ActorRef ref, String op, byte[] payload) {
        Throwable t = failureOf(ref.invoke(op, payload).toCompletableFuture());
        assertThat(t).isInstanceOf(ActorInvocationException.class);
        return (ActorInvocationException) t;
    }

    /** An actor that counts its instances and activations and answers "op:payload:count". */
    static final class Counting implements Actor {
        static final AtomicInteger created = new AtomicInteger();
        static final AtomicInteger activated = new AtomicInteger();
        static final AtomicInteger deactivated = new AtomicInteger();
        private int handled;

        Counting() {
            created.incrementAndGet();
        }

        @Override
        public void onActivate(ActorContext context) {
            activated.incrementAndGet();
        }

        @Override
        public void onDeactivate(ActorContext context) {
            deactivated.incrementAndGet();
        }

        @Override
        public byte[] receive(ActorContext context, String operation, byte[] payload) {
            handled++;
            return (operation + ":" + new String(payload, UTF_8) + ":" + handled).getBytes(UTF_8);
        }
    }

    @Test
    void concurrentFirstMessagesActivateExactlyOnce() throws Exception {
        Counting.created.set(0);
        Counting.activated.set(0);
        runtime.deploy(ActorType.nativeType("counting", Counting::new));
        ExecutorService senders = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        try {
            List<java.util.concurrent.Future<CompletableFuture<byte[]>>> sent = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                sent.add(senders.submit(() -> {
                    go.await();
                    return runtime.ref("counting", "one").invoke("hit", new byte[0]).toCompletableFuture();
                }));
            }
            go.countDown();
            for (var s : sent) {
                replies.add(s.get());
            }
            List<String> answers = new ArrayList<>();
            for (var r : replies) {
                answers.add(new String(r.get(10, TimeUnit.SECONDS), UTF_8));
            }
            assertThat(Counting.created.get()).isEqualTo(1);
            assertThat(Counting.activated.get()).isEqualTo(1);
            assertThat(answers).as("one activation handled all 64 in turn").hasSize(64)
                    .containsAll(java.util.stream.IntStream.rangeClosed(1, 64).mapToObj(i -> "hit::" + i).toList());
            assertThat(runtime.stats("counting").orElseThrow().activations()).isEqualTo(1);
        } finally {
            senders.shutdownNow();
        }
    }

    @Test
    void oneMessageAtATimeInOrderPerSender() throws Exception {
        AtomicBoolean inside = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        runtime.deploy(ActorType.nativeType("serial", () -> (ctx, op, payload) -> {
            if (!inside.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
            seen.add(new String(payload, UTF_8));
            Thread.onSpinWait();
            inside.set(false);
            return payload;
        }));
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                int sender = s;
                all.add(CompletableFuture.runAsync(() -> {
                    List<CompletableFuture<byte[]>> mine = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        mine.add(runtime.ref("serial", "x").invoke("m", (sender + "-" + i).getBytes(UTF_8)).toCompletableFuture());
                    }
                    mine.forEach(CompletableFuture::join);
                }, senders));
            }
            all.forEach(CompletableFuture::join);
        } finally {
            senders.shutdownNow();
        }
        assertThat(overlaps.get()).isZero();
        assertThat(seen).hasSize(2000);
        for (int s = 0; s < 4; s++) {
            String prefix = s + "-";
            List<Integer> order = seen.stream().filter(p -> p.startsWith(prefix))
                    .map(p -> Integer.parseInt(p.substring(prefix.length()))).toList();
            assertThat(order).as("FIFO for sender %d", s).isSorted().hasSize(500);
        }
    }

    @Test
    void differentActorsRunInParallelOnTheSharedWorkers() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        runtime.deploy(ActorType.nativeType("parallel", () -> (ctx, op, payload) -> {
            bothInside.countDown();
            return new byte[] {(byte) (bothInside.await(10, TimeUnit.SECONDS) ? 1 : 0)};
        }));
        var a = runtime.ref("parallel", "a").invoke("go", null).toCompletableFuture();
        var b = runtime.ref("parallel", "b").invoke("go", null).toCompletableFuture();
        assertThat(a.get(15, TimeUnit.SECONDS)).containsExactly(1);
        assertThat(b.get(15, TimeUnit.SECONDS)).containsExactly(1);
    }

    @Test
    void fullMailboxRejectsClearlyAndDropsNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        runtime.deploy(ActorType.nativeType("slow", () -> (ctx, op, payload) -> {
            started.countDown();
            release.await(20, TimeUnit.SECONDS);
            return payload;
        }, ActorLimits.DEFAULTS.withMailboxCapacity(5)));
        ActorRef ref = runtime.ref("slow", "s");
        List<CompletableFuture<byte[]>> accepted = new ArrayList<>();
        accepted.add(ref.invoke("m", new byte[] {0}).toCompletableFuture());
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 5; i++) {
            accepted.add(ref.invoke("m", new byte[] {(byte) i}).toCompletableFuture());
        }

        Throwable rejected = failureOf(ref.invoke("m", new byte[] {6}).toCompletableFuture());

        assertThat(rejected).isInstanceOf(MailboxFullException.class)
                .hasMessage("mailbox full: actor slow:s, operation 'm': mailbox full (5 messages waiting, the limit)");
        assertThat(((MailboxFullException) rejected).reason()).isEqualTo(Reason.MAILBOX_FULL);
        assertThatThrownBy(() -> ref.call("m", new byte[] {7})).isInstanceOf(ActorInvocationException.class)
                .hasMessageContaining("mailbox full");
        release.countDown();
        for (int i = 0; i < accepted.size(); i++) {
            assertThat(accepted.get(i).get(10, TimeUnit.SECONDS)).containsExactly(i);
        }
        assertThat(runtime.stats("slow").orElseThrow().rejected()).isEqualTo(2);
    }

    @Test
    void badInvocationsFailBeforeQueueing() {
        runtime.deploy(ActorType.nativeType("small", () -> (ctx, op, p) -> p,
                ActorLimits.DEFAULTS.withMaxPayloadBytes(16)));

        assertThat(invocationFailure(runtime.ref("nosuch", "x"), "op", null))
                .hasMessage("unknown type: actor nosuch:x, operation 'op': no actor type 'nosuch' is deployed (deployed: small)");
        ActorInvocationException big = invocationFailure(runtime.ref("small", "x"), "op", new byte[17]);
        assertThat(big.reason()).isEqualTo(Reason.PAYLOAD_TOO_LARGE);
        assertThat(big.detail()).isEqualTo("payload is 17 bytes, over the limit of 16 bytes of type 'small'");
        assertThat(invocationFailure(runtime.ref("small", "x"), "", null).reason()).isEqualTo(Reason.BAD_OPERATION);
        assertThat(invocationFailure(runtime.ref("small", "x"), null, null).reason()).isEqualTo(Reason.BAD_OPERATION);
        assertThat(runtime.ref("small", "x").call("op", new byte[16])).hasSize(16);
        assertThatThrownBy(() -> runtime.ref(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> runtime.deploy(null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Writes key=value pairs from the payload "k=v,k2=v2", then fails if the operation says so. */
    static Actor stateWriter() {
        return (ctx, op, payload) -> {
            for (String pair : new String(payload, UTF_8).split(",")) {
                if (!pair.isEmpty()) {
                    String[] kv = pair.split("=");
                    ctx.state().put(kv[0], kv[1].getBytes(UTF_8));
                }
            }
            if (op.equals("fail")) {
                throw new IllegalStateException("failing after writes");
            }
            if (op.equals("read")) {
                return String.join(",", ctx.state().keys("")).getBytes(UTF_8);
            }
            return ctx.state().get("a").orElse(new byte[0]);
        };
    }

    @Test
    void stateWritesCommitOnSuccessAndRollBackOnFailure() {
        runtime.deploy(ActorType.nativeType("kv", NativeActorRuntimeTest::stateWriter));
        ActorRef ref = runtime.ref("kv", "k1");

        assertThat(ref.call("write", "a=1,b=2".getBytes(UTF_8))).asString(UTF_8).isEqualTo("1");
        ActorInvocationException failed = invocationFailure(ref, "fail", "a=9,c=3".getBytes(UTF_8));

        assertThat(failed.reason()).isEqualTo(Reason.ACTOR_ERROR);
        assertThat(failed.detail()).isEqualTo("failing after writes");
        assertThat(ref.call("read", new byte[0])).asString(UTF_8).isEqualTo("a,b");
        assertThat(fixture.store.get(new ActorId("kv", "k1"), "a")).asString(UTF_8).isEqualTo("1");
        assertThat(fixture.store.get(new ActorId("kv", "k1"), "c")).isNull();
        assertThat(fixture.store.get(new ActorId("kv", "k2"), "a")).as("another actor's state").isNull();
        ActorInvocationException badKey = invocationFailure(ref, "write", "x\u0000y=1".getBytes(UTF_8));
        assertThat(badKey.detail()).contains("contains a newline or NUL");
    }

    @Test
    void timeoutInterruptsTheTurnRollsBackAndTheNextMessageGetsAFreshActivation() throws Exception {
        AtomicInteger instances = new AtomicInteger();
        runtime.deploy(ActorType.nativeType("sleepy", () -> {
            instances.incrementAndGet();
            return (ctx, op, payload) -> {
                ctx.state().put("written", new byte[] {1});
                if (op.equals("sleep")) {
                    Thread.sleep(60_000);
                }
                return new byte[] {(byte) instances.get()};
            };
        }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(200))));
        ActorRef ref = runtime.ref("sleepy", "z");

        long start = System.nanoTime();
        ActorInvocationException timeout = invocationFailure(ref, "sleep", null);

        assertThat(timeout.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(timeout.detail()).contains("invocation timeout of 200 ms", "rolled back", "instance discarded");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(fixture.store.get(ref.id(), "written")).isNull();
        assertThat(ref.call("quick", null)).containsExactly(2);
        assertThat(runtime.stats("sleepy").orElseThrow().timeouts()).isEqualTo(1);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aStackOverflowFailsOnlyThatCall() {
        runtime.deploy(ActorType.nativeType("deep", () -> new Actor() {
            int down(int n) {
                return down(n + 1) + 1;
            }

            @Override
            public byte[] receive(ActorContext ctx, String op, byte[] payload) {
                return op.equals("recurse") ? new byte[] {(byte) down(0)} : payload;
            }
        }));
        ActorRef ref = runtime.ref("deep", "d");
        assertThat(invocationFailure(ref, "recurse", null).reason()).isEqualTo(Reason.TRAP);
        assertThat(ref.call("echo", new byte[] {5})).containsExactly(5);
    }

    @Test
    void idleActorsArePassivatedWithTheirHook() throws Exception {
        Counting.deactivated.set(0);
        runtime.deploy(ActorType.nativeType("idle", Counting::new, ActorLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(100))));
        runtime.ref("idle", "i1").call("x", null);
        assertThat(runtime.actors()).extracting(a -> a.id().toString()).containsExactly("idle:i1");

        waitUntil(() -> runtime.actors().isEmpty(), Duration.ofSeconds(10));

        assertThat(Counting.deactivated.get()).isEqualTo(1);
        assertThat(runtime.stats("idle").orElseThrow().passivations()).isEqualTo(1);
        assertThat(runtime.ref("idle", "i1").call("x", null)).asString(UTF_8).isEqualTo("x::1");
    }

    @Test
    void pastTheActiveCapTheLeastRecentlyUsedArePassivated() throws Exception {
        fixture.close();
        try (RuntimeFixture capped = new RuntimeFixture(new dev.kelpie.store.InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withMaxActiveActors(3))) {
            capped.runtime.deploy(ActorType.nativeType("lru", Counting::new));
            for (int i = 1; i <= 6; i++) {
                capped.runtime.ref("lru", "a" + i).call("x", null);
                Thread.sleep(5);
            }
            waitUntil(() -> capped.runtime.activeActors() <= 3, Duration.ofSeconds(10));
            assertThat(capped.runtime.actors()).extracting(a -> a.id().id()).containsExactlyInAnyOrder("a4", "a5", "a6");
        }
    }

    @Test
    void explicitDeactivateAndRedeploy() throws Exception {
        runtime.deploy(ActorType.nativeType("d", Counting::new));
        ActorRef ref = runtime.ref("d", "one");
        ref.call("x", null);

        assertThat(runtime.deactivate(ref.id()).toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
        waitUntil(() -> runtime.actors().isEmpty(), Duration.ofSeconds(5));
        assertThat(runtime.deactivate(ref.id()).toCompletableFuture().get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(ref.call("x", null)).asString(UTF_8).isEqualTo("x::1");
    }

    @Test
    void hotSwapFinishesTheTurnInFlightOnTheOldCodeAndQueuedOnesOnTheNew() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Supplier<Actor> v1 = () -> (ctx, op, payload) -> {
            if (op.equals("block")) {
                started.countDown();
                release.await(20, TimeUnit.SECONDS);
            }
            ctx.state().put("last", "v1".getBytes(UTF_8));
            return "v1".getBytes(UTF_8);
        };
        Supplier<Actor> v2 = () -> (ctx, op, payload) ->
                ("v2 after " + new String(ctx.state().get("last").orElse(new byte[0]), UTF_8)).getBytes(UTF_8);
        runtime.deploy(ActorType.nativeType("swap", v1));
        ActorRef ref = runtime.ref("swap", "s");
        var inFlight = ref.invoke("block", null).toCompletableFuture();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            queued.add(ref.invoke("m", null).toCompletableFuture());
        }

        runtime.deploy(ActorType.nativeType("swap", v2));
        release.countDown();

        assertThat(inFlight.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("v1");
        for (var q : queued) {
            assertThat(q.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("v2 after v1");
        }
    }

    @Test
    void suspendHoldsMessagesUntilTheNewCodeIsDeployed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Counting.deactivated.set(0);
        runtime.deploy(ActorType.nativeType("upd", () -> (ctx, op, payload) -> {
            if (op.equals("block")) {
                started.countDown();
                release.await(20, TimeUnit.SECONDS);
            }
            return "old".getBytes(UTF_8);
        }));
        ActorRef ref = runtime.ref("upd", "u");
        var inFlight = ref.invoke("block", null).toCompletableFuture();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(ref.invoke("m", null).toCompletableFuture());
        }

        var suspending = CompletableFuture.supplyAsync(() -> runtime.suspend("upd"));
        Thread.sleep(50);
        release.countDown();
        assertThat(suspending.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("old");
        assertThat(runtime.actors()).as("passivated for the update").isEmpty();
        for (int i = 0; i < 5; i++) {
            queued.add(ref.invoke("m", null).toCompletableFuture());
        }
        Thread.sleep(100);
        assertThat(queued).allMatch(f -> !f.isDone());

        runtime.deploy(ActorType.nativeType("upd", () -> (ctx, op, payload) -> "new".getBytes(UTF_8)));

        for (var q : queued) {
            assertThat(q.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("new");
        }
        assertThat(runtime.suspend("nope")).isFalse();
    }

    @Test
    void undeployAfterSuspendFailsTheHeldMessages() throws Exception {
        runtime.deploy(ActorType.nativeType("held", Counting::new));
        runtime.ref("held", "h").call("x", null);
        runtime.suspend("held");
        var held = runtime.ref("held", "h").invoke("x", null).toCompletableFuture();
        Thread.sleep(50);
        assertThat(held).isNotDone();

        runtime.undeploy("held");

        Throwable t = failureOf(held);
        assertThat(t).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) t).reason()).isEqualTo(Reason.SHUT_DOWN);
    }

    @Test
    void undeployPassivatesAndLaterMessagesFailClearly() throws Exception {
        Counting.deactivated.set(0);
        runtime.deploy(ActorType.nativeType("gone", Counting::new));
        runtime.ref("gone", "g").call("x", null);

        assertThat(runtime.undeploy("gone")).isTrue();

        assertThat(Counting.deactivated.get()).isEqualTo(1);
        assertThat(runtime.actors()).isEmpty();
        assertThat(runtime.undeploy("gone")).isFalse();
        assertThat(invocationFailure(runtime.ref("gone", "g"), "x", null).reason()).isEqualTo(Reason.UNKNOWN_TYPE);
    }

    @Test
    void actorsCallEachOtherAndCyclesFailInsteadOfDeadlocking() {
        runtime.deploy(ActorType.nativeType("caller", () -> (ctx, op, payload) -> {
            String[] target = new String(payload, UTF_8).split(">", 2);
            ActorId next = ActorId.parse(target[0]);
            return ctx.call(next, op, target.length > 1 ? target[1].getBytes(UTF_8) : new byte[0]);
        }));
        runtime.deploy(ActorType.nativeType("leaf", () -> (ctx, op, payload) -> ("leaf " + ctx.self().id()).getBytes(UTF_8)));

        assertThat(runtime.ref("caller", "a").call("hop", "leaf:z".getBytes(UTF_8))).asString(UTF_8).isEqualTo("leaf z");
        assertThat(runtime.ref("caller", "a").call("hop", "caller:b>caller:c>leaf:y".getBytes(UTF_8)))
                .asString(UTF_8).isEqualTo("leaf y");

        ActorInvocationException self = invocationFailure(runtime.ref("caller", "a"), "hop", "caller:a".getBytes(UTF_8));
        assertThat(self.reason()).isEqualTo(Reason.ACTOR_ERROR);
        assertThat(self.detail()).contains("call cycle", "calls itself");

        ActorInvocationException cycle = invocationFailure(runtime.ref("caller", "a"), "hop", "caller:b>caller:a".getBytes(UTF_8));
        assertThat(cycle.detail()).contains("call cycle: caller:a → caller:b → caller:a");
    }

    @Test
    void closeDrainsQueuedMessagesThenRefusesNewOnes() throws Exception {
        runtime.deploy(ActorType.nativeType("drain", () -> (ctx, op, payload) -> {
            Thread.sleep(20);
            return payload;
        }));
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queued.add(runtime.ref("drain", "d").invoke("m", new byte[] {(byte) i}).toCompletableFuture());
        }

        runtime.close();

        for (int i = 0; i < 20; i++) {
            assertThat(queued.get(i).get(1, TimeUnit.SECONDS)).containsExactly(i);
        }
        assertThat(invocationFailure(runtime.ref("drain", "d"), "m", null).reason()).isEqualTo(Reason.SHUT_DOWN);
        assertThatThrownBy(() -> runtime.deploy(ActorType.nativeType("late", Counting::new)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
    }

    @Test
    void closeFailsWhatCannotDrainInTime() throws Exception {
        fixture.close();
        try (RuntimeFixture quick = new RuntimeFixture(new dev.kelpie.store.InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofMillis(100)))) {
            CountDownLatch never = new CountDownLatch(1);
            quick.runtime.deploy(ActorType.nativeType("stuck", () -> (ctx, op, payload) -> {
                never.await(3, TimeUnit.SECONDS);
                return payload;
            }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(30))));
            var first = quick.runtime.ref("stuck", "s").invoke("m", null).toCompletableFuture();
            var second = quick.runtime.ref("stuck", "s").invoke("m", null).toCompletableFuture();
            Thread.sleep(50);

            quick.runtime.close();

            Throwable t = failureOf(second);
            assertThat(t).isInstanceOf(ActorInvocationException.class);
            assertThat(((ActorInvocationException) t).reason()).isEqualTo(Reason.SHUT_DOWN);
            assertThat(first.handle((v, e) -> true).get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void statsCountInvocationsFailuresAndLatency() {
        runtime.deploy(ActorType.nativeType("stats", NativeActorRuntimeTest::stateWriter));
        for (int i = 0; i < 50; i++) {
            runtime.ref("stats", "s" + (i % 5)).call("write", "a=1".getBytes(UTF_8));
        }
        invocationFailure(runtime.ref("stats", "s0"), "fail", new byte[0]);

        var stats = runtime.stats("stats").orElseThrow();
        assertThat(stats.invocations()).isEqualTo(51);
        assertThat(stats.failures()).isEqualTo(1);
        assertThat(stats.activeActors()).isEqualTo(5);
        assertThat(stats.activations()).isEqualTo(5);
        assertThat(stats.p99Micros()).isPositive().isLessThanOrEqualTo(stats.maxMicros());
        assertThat(runtime.stats()).extracting(s -> s.type()).containsExactly("stats");
        assertThat(runtime.stats("nope")).isEmpty();
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(10);
        }
    }
}
