package dev.kelpie.timers.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.timers.Reminder;
import dev.kelpie.timers.ScheduleRejectedException;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timers and reminders against a real runtime with native actors, on a manual clock: nothing here sleeps for
 * the logic; every wait is for an actor's turn and is bounded.
 */
@Timeout(60)
class KelpieTimersTest {
    private static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    private static final Duration NONE = Duration.ZERO;

    private final StateStore store = new InMemoryStateStore();
    private final ManualScheduler clock = new ManualScheduler();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private KelpieActorRuntime runtime = newRuntime();
    private KelpieTimers timers = newTimers(TimerSettings.DEFAULTS);

    private KelpieActorRuntime newRuntime() {
        KelpieActorRuntime r = new KelpieActorRuntime(REGISTRY, new ChicoryWapcHost(WapcSettings.DEFAULTS), store,
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        r.deploy(ActorType.nativeType("probe", Probe::new));
        return r;
    }

    private KelpieTimers newTimers(TimerSettings settings) {
        KelpieTimers t = new KelpieTimers(runtime, store, settings, clock);
        runtime.addLifecycleListener(t);
        return t;
    }

    @AfterEach
    void tearDown() {
        timers.close();
        runtime.close();
    }

    /** Records every message; {@code arm} sets a periodic timer from inside its turn, {@code again} re-sets reminder r. */
    private final class Probe implements Actor {
        @Override
        public byte[] receive(dev.kelpie.api.actor.ActorContext context, String operation, byte[] payload) {
            String text = new String(payload, UTF_8);
            if (operation.equals("arm")) {
                timers.setTimer(context.self(), "tick", "tick", Duration.ofMillis(500), Duration.ofMillis(500), payload);
            } else if (operation.equals("again") && text.equals("first")) {
                timers.setReminder(context.self(), "r", "again", Duration.ofSeconds(60), NONE, "second".getBytes(UTF_8));
            } else if (operation.equals("fail")) {
                throw new IllegalStateException("the actor refuses");
            }
            received.add(context.self() + " " + operation + " " + text);
            return new byte[0];
        }
    }

    private String next() throws InterruptedException {
        String m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("a message within 10 s").isNotNull();
        return m;
    }

    private static ActorId probe(String id) {
        return new ActorId("probe", id);
    }

    // ---- timers ----

    @Test
    void aOneShotTimerFiresWhenDueAndNotBefore() throws Exception {
        timers.setTimer(probe("a"), "t", "ping", Duration.ofMillis(1000), NONE, "x".getBytes(UTF_8));
        clock.advance(999);
        assertThat(received).isEmpty();
        assertThat(clock.pending()).containsExactly(1L);
        clock.advance(1);
        assertThat(next()).isEqualTo("probe:a ping x");
        assertThat(timers.timers(probe("a"))).containsExactly("t");
        clock.runUntil(() -> timers.timers(probe("a")).isEmpty()); // the completion ends the one-shot timer
        assertThat(clock.pending()).isEmpty();
    }

    @Test
    void aPeriodicTimerRepeatsAfterEachHandledMessageUntilCancelled() throws Exception {
        timers.setTimer(probe("a"), "t", "ping", Duration.ofMillis(100), Duration.ofMillis(200), null);
        clock.advance(100);
        assertThat(next()).isEqualTo("probe:a ping ");
        clock.runUntil(() -> clock.pending().equals(List.of(200L))); // the next one once the turn ended
        clock.advance(200);
        assertThat(next()).isEqualTo("probe:a ping ");
        clock.runUntil(() -> clock.pending().equals(List.of(200L)));
        assertThat(timers.cancelTimer(probe("a"), "t")).isTrue();
        assertThat(timers.cancelTimer(probe("a"), "t")).isFalse();
        assertThat(clock.pending()).isEmpty();
        clock.advance(10_000);
        assertThat(received).isEmpty();
    }

    @Test
    void passivationCancelsTheActorsTimers() throws Exception {
        runtime.ref(probe("a")).call("arm", "p".getBytes(UTF_8));
        assertThat(next()).isEqualTo("probe:a arm p");
        assertThat(timers.timers(probe("a"))).containsExactly("tick");
        clock.advance(500);
        assertThat(next()).isEqualTo("probe:a tick p");
        clock.runUntil(() -> clock.pending().equals(List.of(500L)));
        assertThat(runtime.deactivate(probe("a")).toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(timers.timers(probe("a"))).isEmpty();
        assertThat(clock.pending()).isEmpty();
        clock.advance(10_000);
        assertThat(received).isEmpty();
    }

    @Test
    void settingATimerAgainReplacesIt() throws Exception {
        timers.setTimer(probe("a"), "t", "one", Duration.ofMillis(100), NONE, null);
        timers.setTimer(probe("a"), "t", "two", Duration.ofMillis(300), NONE, null);
        assertThat(clock.pending()).containsExactly(300L);
        clock.advance(300);
        assertThat(next()).isEqualTo("probe:a two ");
    }

    @Test
    void limitsAndBadInputAreRefusedNamingActorAndLimit() {
        timers.close();
        timers = newTimers(TimerSettings.DEFAULTS.withLimits(2, 3));
        ActorId a = probe("a");
        timers.setTimer(a, "t1", "op", NONE, NONE, null);
        timers.setTimer(a, "t2", "op", NONE, NONE, null);
        timers.setTimer(a, "t2", "op", NONE, NONE, null); // a replacement is no new timer
        assertThatThrownBy(() -> timers.setTimer(a, "t3", "op", NONE, NONE, null))
                .isInstanceOf(ScheduleRejectedException.class)
                .hasMessage("timer 't3' of actor probe:a refused: the actor has 2 timers, the limit per actor (max_timers_per_actor)");
        timers.setTimer(probe("b"), "t1", "op", NONE, NONE, null);
        assertThatThrownBy(() -> timers.setTimer(probe("c"), "t1", "op", NONE, NONE, null))
                .hasMessage("timer 't1' of actor probe:c refused: 3 timers are set, the limit of all actors together (max_timers)");
        assertThatThrownBy(() -> timers.setTimer(a, "t1", "op", NONE, Duration.ofMillis(99), null))
                .hasMessage("timer 't1' of actor probe:a refused: period 99 ms is under the minimum of 100 ms (min_period_ms)");
        assertThatThrownBy(() -> timers.setTimer(a, "t1", "op", NONE, NONE, new byte[64 * 1024 + 1]))
                .hasMessage("timer 't1' of actor probe:a refused: payload is 65537 bytes, over the limit of 65536 bytes (max_payload_bytes)");
        assertThatThrownBy(() -> timers.setTimer(a, "a/b", "op", NONE, NONE, null))
                .hasMessage("timer name 'a/b' of actor probe:a refused: the character '/' at 1 is not one of A-Z a-z 0-9 . _ -");
        assertThatThrownBy(() -> timers.setTimer(a, "t1", "", NONE, NONE, null))
                .hasMessageContaining("the operation must be 1 to 1024 characters");
        assertThatThrownBy(() -> timers.setTimer(a, "t1", "op", Duration.ofMillis(-1), NONE, null))
                .hasMessage("timer 't1' of actor probe:a refused: the delay must be zero or more");
        assertThatThrownBy(() -> timers.setTimer(a, "t1", "op", Duration.ofDays(366), NONE, null))
                .hasMessageContaining("the delay PT8784H is over the limit of 365 days (max_delay_days)");
        assertThatThrownBy(() -> timers.setReminder(a, "r", "op", NONE, Duration.ofMillis(5), null))
                .hasMessage("reminder 'r' of actor probe:a refused: period 5 ms is under the minimum of 100 ms (min_period_ms)");
    }

    // ---- reminders ----

    @Test
    void aReminderIsStoredFiresAndIsRemovedOnceDelivered() throws Exception {
        timers.setReminder(probe("a"), "r", "ping", Duration.ofSeconds(5), NONE, "hi".getBytes(UTF_8));
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).containsExactly("probe:a/r");
        List<Reminder> listed = timers.reminders(probe("a"));
        assertThat(listed).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("r");
            assertThat(r.operation()).isEqualTo("ping");
            assertThat(r.due().toEpochMilli()).isEqualTo(clock.nowMillis() + 5000);
            assertThat(r.payload()).isEqualTo("hi".getBytes(UTF_8));
        });
        clock.advance(5000);
        assertThat(next()).isEqualTo("probe:a ping hi");
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).as("kept until the actor handled it").containsExactly("probe:a/r");
        clock.runUntil(() -> store.keys(StoredReminder.STORE_ACTOR, "").isEmpty());
        assertThat(timers.reminders()).isEmpty();
    }

    @Test
    void aReminderFiresAfterARestartOfRuntimeAndTimers() throws Exception {
        timers.setReminder(probe("a"), "r", "ping", Duration.ofSeconds(5), NONE, "later".getBytes(UTF_8));
        timers.setReminder(probe("b"), "p", "tick", Duration.ofSeconds(1), Duration.ofSeconds(10), null);
        timers.close();
        runtime.close();
        clock.advance(60_000); // down for a minute: nothing fires
        assertThat(received).isEmpty();

        runtime = newRuntime();
        timers = newTimers(TimerSettings.DEFAULTS);
        assertThat(timers.reminders()).extracting(Reminder::name).containsExactly("r", "p");
        clock.advance(0);
        assertThat(List.of(next(), next())).containsExactlyInAnyOrder("probe:a ping later", "probe:b tick ");
        clock.runUntil(() -> store.keys(StoredReminder.STORE_ACTOR, "").equals(List.of("probe:b/p"))
                && clock.pending().equals(List.of(10_000L)));
        Reminder p = timers.reminders(probe("b")).get(0);
        assertThat(p.due().toEpochMilli()).as("missed periods are not made up").isEqualTo(clock.nowMillis() + 10_000);
    }

    @Test
    void aReminderForATypeNotDeployedYetIsRetriedWithGrowingDelays() throws Exception {
        ActorId late = new ActorId("late", "x");
        timers.setReminder(late, "r", "ping", Duration.ofMillis(10), NONE, null);
        clock.advance(10);
        clock.runUntil(() -> clock.pending().equals(List.of(1000L))); // UNKNOWN_TYPE: retried in 1 s
        assertThat(timers.reminders(late).get(0).failedAttempts()).isEqualTo(1);
        clock.advance(1000);
        clock.runUntil(() -> clock.pending().equals(List.of(2000L)));
        assertThat(timers.reminders(late).get(0).failedAttempts()).isEqualTo(2);
        runtime.deploy(ActorType.nativeType("late", Probe::new));
        clock.advance(2000);
        assertThat(next()).isEqualTo("late:x ping ");
        clock.runUntil(() -> timers.reminders().isEmpty());
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).isEmpty();
    }

    @Test
    void aReminderWhoseOwnerIsUnavailableIsRetried() throws Exception {
        // in a cluster a delivery can fail UNAVAILABLE (the owner left or did not answer): not delivered
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger(1);
        KelpieActorRuntime real = runtime;
        dev.kelpie.api.actor.ActorRuntime flaky = (dev.kelpie.api.actor.ActorRuntime) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {dev.kelpie.api.actor.ActorRuntime.class}, (p, m, args) -> {
                    if (m.getName().equals("ref") && args.length == 1 && args[0] instanceof ActorId id) {
                        dev.kelpie.api.actor.ActorRef ref = real.ref(id);
                        return java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                                new Class<?>[] {dev.kelpie.api.actor.ActorRef.class}, (p2, m2, a2) ->
                                        m2.getName().equals("invoke") && refusals.getAndDecrement() > 0
                                                ? java.util.concurrent.CompletableFuture.failedFuture(
                                                        new dev.kelpie.api.actor.ActorInvocationException(id, (String) a2[0],
                                                                dev.kelpie.api.actor.ActorInvocationException.Reason.UNAVAILABLE,
                                                                "member m2 left the cluster"))
                                                : m2.invoke(ref, a2));
                    }
                    return m.invoke(real, args);
                });
        timers.close();
        timers = new KelpieTimers(flaky, store, TimerSettings.DEFAULTS, clock);
        timers.setReminder(probe("a"), "r", "ping", Duration.ofMillis(10), NONE, null);
        clock.advance(10);
        clock.runUntil(() -> clock.pending().equals(List.of(1000L))); // UNAVAILABLE: retried in 1 s
        assertThat(timers.reminders(probe("a")).get(0).failedAttempts()).isEqualTo(1);
        clock.advance(1000);
        assertThat(next()).isEqualTo("probe:a ping ");
        clock.runUntil(() -> timers.reminders().isEmpty());
    }

    @Test
    void anActorErrorCountsAsDelivered() throws Exception {
        timers.setReminder(probe("a"), "r", "fail", NONE, NONE, null);
        clock.advance(0);
        clock.runUntil(() -> timers.reminders().isEmpty());
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).isEmpty();
    }

    @Test
    void aReminderSetAgainByItsOwnHandlerIsNotRemovedByTheFirstDelivery() throws Exception {
        timers.setReminder(probe("a"), "r", "again", Duration.ofSeconds(1), NONE, "first".getBytes(UTF_8));
        clock.advance(1000);
        assertThat(next()).isEqualTo("probe:a again first");
        clock.runUntil(() -> clock.pending().equals(List.of(60_000L)));
        assertThat(timers.reminders(probe("a"))).singleElement()
                .satisfies(r -> assertThat(r.payload()).isEqualTo("second".getBytes(UTF_8)));
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).containsExactly("probe:a/r");
        clock.advance(60_000);
        assertThat(next()).isEqualTo("probe:a again second");
    }

    @Test
    void cancelRemovesAReminderFromTheStore() {
        timers.setReminder(probe("a"), "r", "ping", Duration.ofSeconds(1), NONE, null);
        assertThat(timers.cancelReminder(probe("a"), "r")).isTrue();
        assertThat(timers.cancelReminder(probe("a"), "r")).isFalse();
        assertThat(store.keys(StoredReminder.STORE_ACTOR, "")).isEmpty();
        assertThat(clock.pending()).isEmpty();
    }

    @Test
    void aStoreFailureRefusesTheReminderAndChangesNothing() {
        timers.close();
        StateStore failing = new StateStore() {
            @Override
            public byte[] get(ActorId actor, String key) {
                return store.get(actor, key);
            }

            @Override
            public List<String> keys(ActorId actor, String prefix) {
                return store.keys(actor, prefix);
            }

            @Override
            public void commit(ActorId actor, Map<String, byte[]> changes) {
                throw new IllegalStateException("disk full");
            }

            @Override
            public String describe() {
                return "failing";
            }
        };
        timers = new KelpieTimers(runtime, failing, TimerSettings.DEFAULTS, clock);
        assertThatThrownBy(() -> timers.setReminder(probe("a"), "r", "ping", NONE, NONE, null))
                .isInstanceOf(ScheduleRejectedException.class)
                .hasMessage("reminder 'r' of actor probe:a: the state store failed to store it: disk full");
        assertThat(timers.reminders()).isEmpty();
        assertThat(clock.pending()).isEmpty();
    }

    @Test
    void reminderLimitsCountStoredReminders() {
        timers.close();
        timers = newTimers(TimerSettings.DEFAULTS.withLimits(1, 2));
        timers.setReminder(probe("a"), "r1", "op", Duration.ofSeconds(1), NONE, null);
        assertThatThrownBy(() -> timers.setReminder(probe("a"), "r2", "op", NONE, NONE, null))
                .hasMessage("reminder 'r2' of actor probe:a refused: the actor has 1 reminders, the limit per actor (max_reminders_per_actor)");
        timers.setReminder(probe("b"), "r1", "op", Duration.ofSeconds(1), NONE, null);
        assertThatThrownBy(() -> timers.setReminder(probe("c"), "r1", "op", NONE, NONE, null))
                .hasMessage("reminder 'r1' of actor probe:c refused: 2 reminders are stored, the limit of all actors together (max_reminders)");
    }
}
