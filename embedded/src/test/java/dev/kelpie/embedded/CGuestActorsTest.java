package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** C guests on wasi-libc (wasm-modules/c) as actors: WASI is wired by default. */
@Timeout(60)
class CGuestActorsTest {
    private static Kelpie.Module c(Kelpie kelpie, String name) throws IOException {
        return kelpie.load(name + ".wasm", KelpieTest.resource("/wasm/c/" + name + "/" + name + ".wasm"));
    }

    @Test
    void cActorsKeepStateAndCallEachOther() throws IOException {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Kelpie kelpie = Kelpie.builder()
                .console((module, label, line) -> console.add(label + ": " + line))
                .hostFunction("greeting", "hello", call -> ("Hello, " + new String(call.payload(), UTF_8) + "!").getBytes(UTF_8))
                .build()) {
            kelpie.deploy("counter", c(kelpie, "counter"));
            // the greeter calls the greeting host function and the counter actor: it declares both namespaces
            kelpie.deploy("greeter", c(kelpie, "greeter"), kelpie.actors().defaultLimits(), java.util.Set.of("greeting", "actors"));
            ActorRef counter = kelpie.actor("counter", "c1");
            assertThat(counter.call("increment", "41".getBytes(UTF_8))).asString(UTF_8).isEqualTo("41");
            assertThat(counter.call("increment", null)).asString(UTF_8).isEqualTo("42");
            assertThat(counter.call("get", null)).asString(UTF_8).isEqualTo("42");

            ActorRef greeter = kelpie.actor("greeter", "g");
            assertThat(greeter.call("greet_counted", "Ada".getBytes(UTF_8))).asString(UTF_8)
                    .isEqualTo("Hello, Ada! Visitor number 1.");
            assertThat(greeter.call("greet_counted", "Ada".getBytes(UTF_8))).asString(UTF_8)
                    .isEqualTo("Hello, Ada! Visitor number 2.");
            assertThat(kelpie.actor("counter", "Ada").call("get", null)).asString(UTF_8).isEqualTo("2");
            assertThat(console).contains("greeter:g: Ada is visitor 2");
            assertThat(kelpie.host().guestAdapters()).contains("wasi");
        }
    }

    @Test
    void aCActorSleepingPastItsInvocationTimeoutTimesOut() throws IOException {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Kelpie kelpie = Kelpie.builder().console((module, label, line) -> console.add(line)).build()) {
            // the invocation timeout bounds the deployment's probe and the activation too: generous, so that a
            // loaded machine does not fail them
            kelpie.deploy("sleepy", c(kelpie, "wasi-testbed"),
                    ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(1)));
            ActorRef sleepy = kelpie.actor("sleepy", "s");
            assertThat(sleepy.call("print", "about to sleep".getBytes(UTF_8))).asString(UTF_8).isEqualTo("ok");
            long start = System.nanoTime();
            ActorInvocationException e = catchThrowableOfType(ActorInvocationException.class,
                    () -> sleepy.call("sleep_forever", null));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(ActorInvocationException.Reason.TIMEOUT);
            assertThat(millis).isBetween(950L, 20_000L);
            // the actor comes back with a fresh instance
            assertThat(sleepy.call("sleep", "10".getBytes(UTF_8))).asString(UTF_8).matches("\\d+");
            assertThat(console).contains("about to sleep");
        }
    }
}
