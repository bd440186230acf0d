package dev.kelpie.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorLifecycleListener;
import dev.kelpie.api.actor.ActorType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Lifecycle listeners hear every activation and passivation, and a failing listener harms nobody. */
@Timeout(30)
class LifecycleListenerTest {
    private final RuntimeFixture fixture = new RuntimeFixture();
    private final KelpieActorRuntime runtime = fixture.runtime;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private final ActorLifecycleListener recorder = new ActorLifecycleListener() {
        @Override
        public void activated(ActorId actor) {
            events.add("+" + actor);
        }

        @Override
        public void passivated(ActorId actor) {
            events.add("-" + actor);
        }
    };

    @Test
    void listenersHearActivationAndPassivationInOrder() throws Exception {
        runtime.deploy(ActorType.nativeType("echo", () -> (ctx, op, p) -> p));
        runtime.addLifecycleListener(new ActorLifecycleListener() {
            @Override
            public void activated(ActorId actor) {
                throw new IllegalStateException("listener bug");
            }
        });
        runtime.addLifecycleListener(recorder);
        ActorId a = new ActorId("echo", "a");
        assertThat(runtime.ref(a).call("x", new byte[] {1})).containsExactly(1);
        assertThat(runtime.deactivate(a).toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(runtime.ref(a).call("x", new byte[] {2})).containsExactly(2);
        assertThat(events).containsExactly("+echo:a", "-echo:a", "+echo:a");

        runtime.removeLifecycleListener(recorder);
        runtime.deactivate(a).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(events).hasSize(3);
    }

    @Test
    void aFailedTurnThatDiscardsTheInstanceIsAPassivation() {
        runtime.deploy(ActorType.nativeType("slow", () -> (ctx, op, p) -> {
            Thread.sleep(10_000);
            return p;
        }, dev.kelpie.api.actor.ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofMillis(200))));
        runtime.addLifecycleListener(recorder);
        ActorId s = new ActorId("slow", "s");
        runtime.ref(s).invoke("x", new byte[0]).toCompletableFuture().handle((v, t) -> t).join();
        assertThat(events).containsExactly("+slow:s", "-slow:s");
    }
}
