package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The state bytes one turn may write are capped; a turn past the cap fails and is rolled back. */
@Timeout(30)
class TurnWriteCapTest {
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(1).withMaxTurnWriteBytes(1000).withShutdownGrace(Duration.ofMillis(200)));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static ActorInvocationException failure(ActorRef ref, String op, String payload) throws Exception {
        try {
            ref.invoke(op, payload.getBytes(UTF_8)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (ActorInvocationException) e.getCause();
        }
        throw new AssertionError(op + " " + payload + " must fail");
    }

    /** Writes "keys" keys of "size" bytes each ("keys size"); "swallow" catches a refusal and answers ok. */
    private static ActorType writer() {
        return ActorType.nativeType("w", () -> (ctx, op, payload) -> {
            String[] p = new String(payload, UTF_8).split(" ");
            int keys = Integer.parseInt(p[0]);
            int size = Integer.parseInt(p[1]);
            try {
                for (int i = 0; i < keys; i++) {
                    ctx.state().put(op.equals("same") ? "k" : "k" + i, new byte[size]);
                }
            } catch (RuntimeException refused) {
                if (!op.equals("swallow")) {
                    throw refused;
                }
            }
            return "ok".getBytes(UTF_8);
        });
    }

    @Test
    void aTurnPastTheWriteCapFailsNamingActorOperationAndLimitAndCommitsNothing() throws Exception {
        runtime.deploy(writer());
        ActorRef w = runtime.ref("w", "a");
        assertThat(w.call("put", "3 300".getBytes(UTF_8))).asString(UTF_8).isEqualTo("ok"); // 906 bytes
        assertThat(fixture.store.keys(w.id(), "")).hasSize(3);

        ActorInvocationException over = failure(w, "put", "5 300");

        assertThat(over.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
        assertThat(over.actor()).isEqualTo(w.id());
        assertThat(over.operation()).isEqualTo("put");
        assertThat(over.detail()).contains("1208 bytes", "limit of 1000 bytes per turn", "max_turn_write_bytes", "rolled back");
        assertThat(runtime.stats("w").orElseThrow().failures()).isEqualTo(1);
    }

    @Test
    void anActorThatSwallowsTheRefusalStillDoesNotCommit() throws Exception {
        runtime.deploy(writer());
        ActorRef w = runtime.ref("w", "b");

        ActorInvocationException over = failure(w, "swallow", "5 300");

        assertThat(over.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
        assertThat(fixture.store.keys(w.id(), "")).as("nothing of the turn was committed").isEmpty();
        assertThat(w.call("put", "1 10".getBytes(UTF_8))).as("the next turn starts afresh").asString(UTF_8).isEqualTo("ok");
    }

    @Test
    void rewritingOneKeyCountsItsLatestValueOnly() throws Exception {
        runtime.deploy(writer());
        ActorRef w = runtime.ref("w", "c");

        assertThat(w.call("same", "100 900".getBytes(UTF_8))).asString(UTF_8).isEqualTo("ok");
        assertThat(fixture.store.get(w.id(), "k")).hasSize(900);
    }

    @Test
    void aWasmActorPastTheCapGetsAHostErrorAndItsTurnFails() throws Exception {
        fixture.deployWasm("counter", RuntimeFixture.counter(), runtime.defaultLimits());
        ActorRef c = runtime.ref("counter", "big");
        // the counter's "put" stores "key\nvalue"; a 2000-byte value is past the cap
        ActorInvocationException over = failure(c, "put", "big\n" + "x".repeat(2000));

        assertThat(over.reason()).isEqualTo(Reason.RESOURCE_EXHAUSTED);
        assertThat(over.detail()).contains("limit of 1000 bytes per turn");
    }
}
