package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Standard Go guests (wasm-modules/go) as actors: the Go adapter is wired by default. */
@Timeout(120)
class GoGuestActorsTest {
    private static Kelpie.Module go(Kelpie kelpie, String name) throws IOException {
        return kelpie.load("go-" + name + ".wasm", KelpieTest.resource("/wasm/go/" + name + "/" + name + ".wasm"));
    }

    private static List<String> goThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kelpie-go-")).collect(Collectors.toList());
    }

    @Test
    void goActorsKeepDurableStateAndCallEachOther(@TempDir Path dir) throws Exception {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Kelpie kelpie = Kelpie.builder().dataDirectory(dir)
                .console((module, label, line) -> console.add(label + ": " + line))
                .hostFunction("greeting", "hello", call -> ("Hello, " + new String(call.payload(), UTF_8) + "!").getBytes(UTF_8))
                .build()) {
            kelpie.deploy("counter", go(kelpie, "counter"));
            // the greeter calls the greeting host function and the counter actor: it declares both namespaces
            kelpie.deploy("greeter", go(kelpie, "greeter"), kelpie.actors().defaultLimits(), Set.of("greeting", "actors"));
            ActorRef counter = kelpie.actor("counter", "g1");
            assertThat(counter.call("increment", "41".getBytes(UTF_8))).asString(UTF_8).isEqualTo("41");
            assertThat(counter.call("increment", null)).asString(UTF_8).isEqualTo("42");

            ActorRef greeter = kelpie.actor("greeter", "g");
            assertThat(greeter.call("greet_counted", "Ada".getBytes(UTF_8))).asString(UTF_8)
                    .isEqualTo("Hello, Ada! Visitor number 1.");
            assertThat(greeter.call("greet_counted", "Ada".getBytes(UTF_8))).asString(UTF_8)
                    .isEqualTo("Hello, Ada! Visitor number 2.");
            assertThat(kelpie.actor("counter", "Ada").call("get", null)).asString(UTF_8).isEqualTo("2");
            assertThat(console).contains("greeter:g: Ada is visitor 2");
            assertThat(kelpie.host().guestAdapters()).contains("go");

            // a failed call's write is rolled back
            ActorInvocationException failed = catchThrowableOfType(ActorInvocationException.class,
                    () -> counter.call("add_then_fail", "100".getBytes(UTF_8)));
            assertThat(failed).isNotNull();
            assertThat(counter.call("get", null)).asString(UTF_8).isEqualTo("42");

            // passivation ends the actor's Go thread; the next call activates it again
            assertThat(goThreads()).contains("kelpie-go-counter:g1");
            assertThat(kelpie.actors().deactivate(new ActorId("counter", "g1")).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(goThreads()).doesNotContain("kelpie-go-counter:g1");
            assertThat(counter.call("get", null)).asString(UTF_8).isEqualTo("42");
        }
        assertThat(goThreads()).isEmpty();
        try (Kelpie kelpie = Kelpie.builder().dataDirectory(dir).build()) {
            kelpie.deploy("counter", go(kelpie, "counter"));
            assertThat(kelpie.actor("counter", "g1").call("increment", null)).asString(UTF_8).isEqualTo("43");
        }
        assertThat(goThreads()).isEmpty();
    }

    @Test
    void aSpinningGoActorTimesOutAndComesBack() throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            kelpie.deploy("counter", go(kelpie, "counter"),
                    ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(5)));
            ActorRef counter = kelpie.actor("counter", "spin");
            assertThat(counter.call("increment", null)).asString(UTF_8).isEqualTo("1");
            ActorInvocationException e = catchThrowableOfType(ActorInvocationException.class,
                    () -> counter.call("add_then_spin", null));
            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(ActorInvocationException.Reason.TIMEOUT);
            // the spin's write was rolled back; the actor comes back with a fresh instance
            assertThat(counter.call("get", null)).asString(UTF_8).isEqualTo("1");
        }
        assertThat(goThreads()).isEmpty();
    }
}
