package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.MvStoreStateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** WASM actors: the real Rust counter and testbed guests on the runtime, state through host functions. */
@Timeout(90)
class WasmActorRuntimeTest {
    private RuntimeFixture fixture = new RuntimeFixture();

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private KelpieActorRuntime runtime() {
        return fixture.runtime;
    }

    private static String text(byte[] b) {
        return new String(b, UTF_8);
    }

    private static ActorInvocationException failure(ActorRef ref, String op, String payload) {
        Throwable t = ref.invoke(op, payload.getBytes(UTF_8)).toCompletableFuture()
                .handle((v, e) -> e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).join();
        assertThat(t).as("%s on %s must fail", op, ref.id()).isInstanceOf(ActorInvocationException.class);
        return (ActorInvocationException) t;
    }

    @Test
    void counterIncrementsGetsAndResetsThroughStateHostFunctions() {
        fixture.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        ActorRef c = runtime().ref("counter", "c1");

        assertThat(text(c.call("increment", new byte[0]))).isEqualTo("1");
        assertThat(text(c.call("increment", "41".getBytes(UTF_8)))).isEqualTo("42");
        assertThat(text(c.call("get", new byte[0]))).isEqualTo("42");
        assertThat(text(runtime().ref("counter", "c2").call("get", new byte[0]))).as("separate state").isEqualTo("0");
        assertThat(text(c.call("reset", new byte[0]))).isEqualTo("0");
        assertThat(fixture.store.get(c.id(), "count")).as("reset deletes the key").isNull();
        assertThat(text(fixture.store.get(c.id(), "activations"))).as("on-activate ran once").isEqualTo("1");

        ActorInvocationException bad = failure(c, "increment", "ten");
        assertThat(bad.reason()).isEqualTo(Reason.ACTOR_ERROR);
        assertThat(bad.detail()).isEqualTo("bad amount: ten");
    }

    @Test
    void failedTrappedAndTimedOutTurnsRollBackTheirWrites() {
        // the invocation timeout bounds each activation too: generous, so that a loaded machine does not fail one
        fixture.deployWasm("counter", RuntimeFixture.counter(),
                ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(1)));
        ActorRef c = runtime().ref("counter", "rb");
        c.call("increment", "5".getBytes(UTF_8));

        ActorInvocationException failed = failure(c, "add_then_fail", "100");
        assertThat(failed.reason()).isEqualTo(Reason.ACTOR_ERROR);
        assertThat(failed.detail()).isEqualTo("failed after write");
        assertThat(text(c.call("get", new byte[0]))).isEqualTo("5");

        ActorInvocationException trapped = failure(c, "add_then_trap", "100");
        assertThat(trapped.reason()).isEqualTo(Reason.TRAP);
        assertThat(trapped.getMessage()).contains("counter:rb", "add_then_trap", "unreachable", "rolled back");
        assertThat(text(c.call("get", new byte[0]))).isEqualTo("5");

        ActorInvocationException timedOut = failure(c, "add_then_spin", "100");
        assertThat(timedOut.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(text(c.call("get", new byte[0]))).as("fresh activation, old state").isEqualTo("5");

        var stats = runtime().stats("counter").orElseThrow();
        assertThat(stats.timeouts()).isEqualTo(1);
        assertThat(stats.failures()).isEqualTo(3);
        assertThat(stats.activations()).as("the trap and the timeout each discarded the instance").isEqualTo(3);
        assertThat(text(fixture.store.get(c.id(), "activations"))).isEqualTo("3");
    }

    @Test
    void eachActorHasItsOwnInstanceAndATrapHurtsOnlyItsOwn() {
        fixture.deployWasm("tb", RuntimeFixture.testbed(), ActorLimits.DEFAULTS);
        ActorRef a = runtime().ref("tb", "a");
        ActorRef b = runtime().ref("tb", "b");
        a.call("alloc", "100000".getBytes(UTF_8));
        assertThat(runtime().actors()).hasSize(1);

        assertThat(failure(a, "trap", "").reason()).isEqualTo(Reason.TRAP);

        assertThat(text(b.call("echo", "fine".getBytes(UTF_8)))).isEqualTo("fine");
        assertThat(text(a.call("echo", "back".getBytes(UTF_8)))).isEqualTo("back");
        assertThat(runtime().stats("tb").orElseThrow().activations()).isEqualTo(3);
    }

    @Test
    void guestMemoryCapPerType() {
        fixture.deployWasm("tb", RuntimeFixture.testbed(), ActorLimits.DEFAULTS.withMaxMemoryBytes(24L << 20));
        ActorRef a = runtime().ref("tb", "m");
        assertThat(text(a.call("alloc", "1000000".getBytes(UTF_8)))).isEqualTo("1000000");

        ActorInvocationException tooMuch = failure(a, "alloc", "30000000");

        assertThat(tooMuch.reason()).isEqualTo(Reason.TRAP);
        assertThat(runtime().actors()).isEmpty();
    }

    @Test
    void moduleThatCannotBeInstantiatedFailsActivationClearly() {
        runtime().deploy(ActorType.wasm("broken", RuntimeFixture.module("/wasm/wat/unsatisfiable-imports.wasm")));

        ActorInvocationException e = failure(runtime().ref("broken", "x"), "op", "");

        assertThat(e.reason()).isEqualTo(Reason.ACTIVATION_FAILED);
        assertThat(e.detail()).contains("env.missing_fn");
        assertThat(runtime().actors()).isEmpty();
    }

    @Test
    void deployingAModuleThatIsNotInstalledIsRefused() {
        var unknown = dev.kelpie.api.module.ModuleHash.parse("ab".repeat(32));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runtime().deploy(ActorType.wasm("ghost", unknown)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actor type 'ghost': module abab").hasMessageContaining("not installed");
    }

    @Test
    void guestsCallOtherActorsAndCyclesAreRefused() {
        fixture.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        ActorRef a = runtime().ref("counter", "a");

        assertThat(text(a.call("call", "counter\nb\nincrement\n7".getBytes(UTF_8)))).isEqualTo("7");
        assertThat(text(runtime().ref("counter", "b").call("get", new byte[0]))).isEqualTo("7");

        ActorInvocationException self = failure(a, "call", "counter\na\nget\n");
        assertThat(self.detail()).startsWith("call failed: ").contains("calls itself");

        ActorInvocationException cycle = failure(a, "call", "counter\nb\ncall\ncounter\na\nget\n");
        assertThat(cycle.detail()).contains("call cycle: counter:a → counter:b → counter:a");
        assertThat(text(a.call("get", new byte[0]))).as("a is healthy").isEqualTo("0");
    }

    @Test
    void undeclaredHostNamespaceIsRefused() {
        runtime().deploy(ActorType.wasm("sandboxed", RuntimeFixture.counter()).withHostNamespaces(Set.of()));
        ActorRef s = runtime().ref("sandboxed", "s");

        assertThat(text(s.call("increment", new byte[0]))).as("state and log are core").isEqualTo("1");
        ActorInvocationException e = failure(s, "call", "sandboxed\nother\nget\n");
        assertThat(e.detail()).contains("host namespace 'actors' is not declared");
    }

    @Test
    void hotSwapToANewModuleKeepsStateAndLosesNoMessage() throws Exception {
        fixture.deployWasm("swap", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        ActorRef s = runtime().ref("swap", "s");
        s.call("put", "greeting\nhello".getBytes(UTF_8));
        s.call("increment", new byte[0]);
        List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            inFlight.add(s.invoke("increment", new byte[0]).toCompletableFuture());
        }

        runtime().deploy(ActorType.wasm("swap", RuntimeFixture.testbed()));
        List<CompletableFuture<byte[]>> after = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            after.add(s.invoke("echo", ("e" + i).getBytes(UTF_8)).toCompletableFuture());
        }

        int incremented = 0;
        int refused = 0;
        for (var f : inFlight) {
            try {
                f.get(30, TimeUnit.SECONDS);
                incremented++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).hasMessageContaining("unknown operation: increment");
                refused++;
            }
        }
        assertThat(incremented + refused).as("every message answered exactly once").isEqualTo(200);
        for (int i = 0; i < 50; i++) {
            assertThat(text(after.get(i).get(30, TimeUnit.SECONDS))).isEqualTo("e" + i);
        }
        assertThat(text(fixture.store.get(s.id(), "count"))).isEqualTo(String.valueOf(incremented + 1));

        runtime().deploy(ActorType.wasm("swap", RuntimeFixture.counter()));
        assertThat(text(s.call("fetch", "greeting".getBytes(UTF_8)))).as("state carried over both swaps").isEqualTo("hello");
        assertThat(text(s.call("get", new byte[0]))).isEqualTo(String.valueOf(incremented + 1));
    }

    @Test
    void stateSurvivesARestartOnTheDurableStore(@TempDir Path dir) {
        fixture.close();
        fixture = new RuntimeFixture(new MvStoreStateStore(dir), RuntimeSettings.DEFAULTS);
        fixture.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        for (int i = 0; i < 10; i++) {
            fixture.runtime.ref("counter", "durable").call("increment", new byte[0]);
        }
        fixture.runtime.ref("counter", "durable").call("put", "k\nv".getBytes(UTF_8));
        fixture.close();
        ((MvStoreStateStore) fixture.store).close();

        fixture = new RuntimeFixture(new MvStoreStateStore(dir), RuntimeSettings.DEFAULTS);
        fixture.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        ActorRef again = fixture.runtime.ref("counter", "durable");
        assertThat(text(again.call("get", new byte[0]))).isEqualTo("10");
        assertThat(text(again.call("keys", new byte[0]))).isEqualTo("activations\ncount\nk");
        assertThat(text(fixture.store.get(new ActorId("counter", "durable"), "activations"))).isEqualTo("2");
        ((MvStoreStateStore) fixture.store).close();
    }
}
