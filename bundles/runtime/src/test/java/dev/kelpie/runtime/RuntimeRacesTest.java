package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races found in review, each forced deterministically through a {@link TestHooks} point, and the
 * bounded waits and failure handling around them.
 */
@Timeout(60)
class RuntimeRacesTest {
    private RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(1).withShutdownGrace(Duration.ofMillis(500)));
    private KelpieActorRuntime runtime = fixture.runtime;
    /** ERROR records of the runtime's logger: an internal failure that escaped to a worker or the watchdog. */
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("kelpie.runtime").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("kelpie.runtime").removeHandler(capture);
        fixture.close();
    }

    private static Throwable failureWithin(CompletableFuture<byte[]> f, Duration max) throws Exception {
        try {
            f.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void aHeldMessageRunsWhenTheRedeployLandsBeforeTheWorkerClearsItsFlag() throws Exception {
        runtime.deploy(ActorType.nativeType("upd", () -> (ctx, op, payload) -> "old".getBytes(UTF_8)));
        ActorRef ref = runtime.ref("upd", "u");
        ref.call("x", null);
        assertThat(runtime.suspend("upd")).isTrue();
        AtomicBoolean once = new AtomicBoolean();
        runtime.testHooks = new TestHooks() {
            @Override
            void heldForSuspension(Activation a) {
                if (once.compareAndSet(false, true)) {
                    // the update lands while the worker still owns the activation's scheduled flag
                    runtime.deploy(ActorType.nativeType("upd", () -> (ctx, op, payload) -> "new".getBytes(UTF_8)));
                }
            }
        };

        CompletableFuture<byte[]> held = ref.invoke("x", null).toCompletableFuture();

        assertThat(held.get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("new");
        assertThat(once).isTrue();
    }

    @Test
    void anUrgentDeactivationQueuedWhileAMessageIsHeldStillRuns() throws Exception {
        runtime.deploy(ActorType.nativeType("hold", () -> (ctx, op, payload) -> "ran".getBytes(UTF_8)));
        ActorRef ref = runtime.ref("hold", "h");
        ref.call("x", null);
        runtime.deployed("hold").suspended = true; // suspend()'s first step; its deactivation comes next
        Envelope deactivation = Envelope.deactivateFirst();
        AtomicBoolean once = new AtomicBoolean();
        runtime.testHooks = new TestHooks() {
            @Override
            void heldForSuspension(Activation a) {
                if (once.compareAndSet(false, true)) {
                    // suspend() queues its deactivation ahead of everything while the worker holds a message
                    assertThat(a.enqueue(deactivation, Integer.MAX_VALUE)).isEqualTo(Activation.OK);
                }
            }
        };

        CompletableFuture<byte[]> held = ref.invoke("x", null).toCompletableFuture();

        assertThat(deactivation.deactivated.get(5, TimeUnit.SECONDS)).as("the actor was passivated").isTrue();
        assertThat(runtime.actors()).isEmpty();
        assertThat(held).isNotDone();
        runtime.deploy(ActorType.nativeType("hold", () -> (ctx, op, payload) -> "new".getBytes(UTF_8)));
        assertThat(held.get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("new");
    }

    @Test
    void failingQueuedMessagesWhileAWorkerEndsItsBatchLosesNothingAndKillsNoWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        runtime.deploy(ActorType.nativeType("q", () -> (ctx, op, payload) -> {
            if (op.equals("block")) {
                release.await(10, TimeUnit.SECONDS);
            } else if (op.equals("suspend-now")) {
                runtime.deployed("q").suspended = true; // as suspend() does, without waiting for ourselves
            }
            return op.getBytes(UTF_8);
        }));
        AtomicBoolean emptied = new AtomicBoolean();
        runtime.testHooks = new TestHooks() {
            @Override
            void batchEnded(Activation a) {
                if (runtime.isSuspended("q") && a.queued() > 0 && emptied.compareAndSet(false, true)) {
                    // shutdown's failQueued empties the mailbox between the worker's checks
                    a.failQueued(new ActorInvocationException(a.id, "(queued)", Reason.SHUT_DOWN, "test shutdown"));
                }
            }
        };
        ActorRef ref = runtime.ref("q", "a");
        List<CompletableFuture<byte[]>> sent = new ArrayList<>();
        sent.add(ref.invoke("block", null).toCompletableFuture());
        for (int i = 0; i < 62; i++) {
            sent.add(ref.invoke("m", null).toCompletableFuture());
        }
        sent.add(ref.invoke("suspend-now", null).toCompletableFuture()); // the 64th: the batch ends after it
        for (int i = 0; i < 10; i++) {
            sent.add(ref.invoke("m", null).toCompletableFuture());
        }
        release.countDown();

        for (CompletableFuture<byte[]> f : sent) {
            Throwable t = failureWithin(f, Duration.ofSeconds(5));
            if (t != null) {
                assertThat(((ActorInvocationException) t).detail()).isEqualTo("test shutdown");
            }
        }
        assertThat(emptied).isTrue();
        assertThat(errors).as("no internal failure reached a worker").isEmpty();
        // the single worker is still there
        runtime.deploy(ActorType.nativeType("q", () -> (ctx, op, payload) -> "alive".getBytes(UTF_8)));
        assertThat(runtime.ref("q", "b").invoke("x", null).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .asString(UTF_8).isEqualTo("alive");
    }

    @Test
    void aSendRacingShutdownFailsItsFutureInsteadOfThrowing() throws Exception {
        runtime.deploy(ActorType.nativeType("late", () -> (ctx, op, payload) -> payload));
        AtomicBoolean once = new AtomicBoolean();
        runtime.testHooks = new TestHooks() {
            @Override
            void sendPassedOpenCheck() {
                if (once.compareAndSet(false, true)) {
                    runtime.close(); // the workers stop between the open check and the queueing
                }
            }
        };

        CompletableFuture<byte[]> f = runtime.ref("late", "l").invoke("m", null).toCompletableFuture();

        Throwable t = failureWithin(f, Duration.ofSeconds(5));
        assertThat(t).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) t).reason()).isEqualTo(Reason.SHUT_DOWN);
    }

    @Test
    void callWaitsAtMostTwiceTheTimeoutPlusTheAllowanceEvenWhenTheTurnNeverEnds() throws Exception {
        fixture.close();
        fixture = new RuntimeFixture(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withWorkers(2)
                .withShutdownGrace(Duration.ofMillis(200)).withCallWaitAllowance(Duration.ofMillis(300)));
        runtime = fixture.runtime;
        AtomicBoolean stop = new AtomicBoolean();
        try {
            runtime.deploy(ActorType.nativeType("deaf", () -> (ctx, op, payload) -> {
                while (!stop.get()) {
                    Thread.onSpinWait(); // ignores the watchdog's interrupt: the turn never ends
                }
                return new byte[0];
            }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(200))));
            ActorRef deaf = runtime.ref("deaf", "d");

            long start = System.nanoTime();
            assertThatThrownBy(() -> deaf.call("x", null))
                    .isInstanceOfSatisfying(ActorInvocationException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
                        assertThat(e.detail()).contains("no answer within 700 ms", "outcome is unknown");
                    });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(650L, 3_000L);

            assertThatThrownBy(() -> deaf.call("x", null, Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(ActorInvocationException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT));
            assertThatThrownBy(() -> deaf.call("x", null, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            stop.set(true);
        }
    }

    @Test
    void anErrorInATurnFailsOnlyItsMessageIsLoggedOnceAndTheWorkerCarriesOn() throws Exception {
        runtime.deploy(ActorType.nativeType("oom", () -> (ctx, op, payload) -> {
            if (op.equals("boom")) {
                throw new OutOfMemoryError("test: pretend the heap is gone");
            }
            return "fine".getBytes(UTF_8);
        }));
        ActorRef ref = runtime.ref("oom", "o");
        CompletableFuture<byte[]> boom = ref.invoke("boom", null).toCompletableFuture();
        CompletableFuture<byte[]> after = ref.invoke("x", null).toCompletableFuture();

        Throwable t = failureWithin(boom, Duration.ofSeconds(5));
        assertThat(t).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) t).reason()).isEqualTo(Reason.TRAP);
        assertThat(((ActorInvocationException) t).detail()).contains("OutOfMemoryError");
        assertThat(after.get(5, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("fine");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getMessage()).contains("oom:o", "boom");
    }

    @Test
    void theWatchdogSurvivesAnErrorInATick() throws Exception {
        AtomicBoolean once = new AtomicBoolean();
        runtime.testHooks = new TestHooks() {
            @Override
            void watchdogTick() {
                if (once.compareAndSet(false, true)) {
                    throw new OutOfMemoryError("test: pretend the heap is gone");
                }
            }
        };
        NativeActorRuntimeTest.waitUntil(once::get, Duration.ofSeconds(5));
        runtime.deploy(ActorType.nativeType("slow", () -> (ctx, op, payload) -> {
            Thread.sleep(10_000);
            return new byte[0];
        }, ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(100))));

        Throwable t = failureWithin(runtime.ref("slow", "s").invoke("x", null).toCompletableFuture(), Duration.ofSeconds(5));

        assertThat(t).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) t).reason()).as("the watchdog still times turns out").isEqualTo(Reason.TIMEOUT);
        assertThat(errors).hasSize(1);
    }
}
