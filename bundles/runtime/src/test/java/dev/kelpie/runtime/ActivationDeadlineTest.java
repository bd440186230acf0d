package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Activation (instantiation with the guest's start section, {@code _start}, {@code _initialize},
 * {@code wapc_init}, then on-activate) runs under the invocation timeout like a turn: a guest that loops
 * there fails its message with ACTIVATION_FAILED instead of holding a worker forever.
 */
@Timeout(60)
class ActivationDeadlineTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** One worker: a looping activation that kept it would stop everything else. */
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(1).withShutdownGrace(Duration.ofSeconds(1)));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static Throwable failureWithin(CompletableFuture<byte[]> f, Duration max) throws Exception {
        try {
            f.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"start-section", "start", "initialize", "wapc-init", "kelpie-on-activate"})
    void aGuestLoopingWhileActivatingFailsAtTheTimeoutAndFreesItsWorker(String variant) throws Exception {
        fixture.deployWasm("hostile", RuntimeFixture.module("/wasm/wat/init-loop-" + variant + ".wasm"),
                ActorLimits.DEFAULTS.withInvocationTimeout(TIMEOUT));
        runtime.deploy(ActorType.nativeType("probe", () -> (ctx, op, payload) ->
                ("interrupted=" + Thread.currentThread().isInterrupted()).getBytes(UTF_8)));

        long start = System.nanoTime();
        Throwable t = failureWithin(runtime.ref("hostile", "h").invoke("op", new byte[0]).toCompletableFuture(),
                Duration.ofSeconds(10));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(t).as("activation of %s must fail", variant).isInstanceOf(ActorInvocationException.class);
        ActorInvocationException e = (ActorInvocationException) t;
        assertThat(e.reason()).isEqualTo(Reason.ACTIVATION_FAILED);
        assertThat(e.detail()).contains("timeout of 300 ms");
        assertThat(tookMillis).isLessThan(5_000);
        assertThat(runtime.actors()).isEmpty();
        assertThat(runtime.activeActors()).isZero();
        var stats = runtime.stats("hostile").orElseThrow();
        assertThat(stats.activeActors()).isZero();
        assertThat(stats.timeouts()).isEqualTo(1);
        // the one worker is free again and its interrupt flag was cleared
        assertThat(runtime.ref("probe", "p").invoke("x", null).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .asString(UTF_8).isEqualTo("interrupted=false");
        // and the next message tries again (and fails again the same way)
        Throwable again = failureWithin(runtime.ref("hostile", "h").invoke("op", new byte[0]).toCompletableFuture(),
                Duration.ofSeconds(10));
        assertThat(again).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) again).reason()).isEqualTo(Reason.ACTIVATION_FAILED);
    }

    @Test
    void aGuestThatLoopsOnlyWhenItIsARealActorTimesOutAsAnActor() throws Exception {
        var module = RuntimeFixture.module("/wasm/wat/loop-when-actor.wasm");
        // outside an actor (as an install check would run it) it looks harmless
        try (WapcInstance plain = fixture.host.instantiate(RuntimeFixture.REGISTRY.find(module).orElseThrow(),
                InstanceOptions.labelled("check"))) {
            assertThat(plain.invoke("op", new byte[0])).asString(UTF_8).isEqualTo("ok");
        }
        fixture.deployWasm("sly", module, ActorLimits.DEFAULTS.withInvocationTimeout(TIMEOUT));
        ActorRef sly = runtime.ref("sly", "s");

        Throwable t = failureWithin(sly.invoke("op", new byte[0]).toCompletableFuture(), Duration.ofSeconds(10));

        assertThat(t).isInstanceOf(ActorInvocationException.class);
        assertThat(((ActorInvocationException) t).reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(runtime.activeActors()).isZero();
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException ? t.getCause() : t;
    }
}
