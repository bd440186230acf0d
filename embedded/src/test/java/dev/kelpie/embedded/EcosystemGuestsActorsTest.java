package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.host.HostFunctionKey;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guests shaped like the public waPC guest libraries' output (wasm-modules/wat: Rust wapc-guest, TinyGo
 * wapc-guest-tinygo old and new, Zig wapc-guest-zig, AssemblyScript as-guest with and without WASI) run
 * unmodified as actors through the embedding API with its default adapters.
 */
@Timeout(60)
class EcosystemGuestsActorsTest {
    private final List<String> console = new CopyOnWriteArrayList<>();

    private Kelpie kelpie() {
        return Kelpie.builder()
                .console((module, label, line) -> console.add(label + ": " + line))
                .hostFunction(new HostFunctionKey("myBinding", "sample", "hello"),
                        call -> (" and " + new String(call.payload(), UTF_8)).getBytes(UTF_8))
                .build();
    }

    private static Kelpie.Module wat(Kelpie kelpie, String name) throws IOException {
        return kelpie.load(name + ".wasm", KelpieTest.resource("/wasm/wat/" + name + ".wasm"));
    }

    private static String call(ActorRef actor, String operation, String payload) {
        return new String(actor.call(operation, payload.getBytes(UTF_8)), UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rust-wapc-guest", "tinygo-legacy", "tinygo-reactor", "zig-wapc", "as-guest", "as-wasi"})
    void eachShapeEchoesAsAnActorAndNamesUnknownOperations(String shape) throws IOException {
        try (Kelpie kelpie = kelpie()) {
            kelpie.deploy(shape, wat(kelpie, shape));
            ActorRef a = kelpie.actor(shape, "a1");
            assertThat(call(a, "echo", "hello, " + shape)).isEqualTo("hello, " + shape);
            byte[] binary = {0, 1, 2, (byte) 0xff, '\n', 0};
            assertThat(a.call("echo", binary)).isEqualTo(binary);
            assertThat(a.call("echo", new byte[0])).isEmpty();
            ActorInvocationException e = catchThrowableOfType(ActorInvocationException.class, () -> a.call("nope", null));
            assertThat(e).isNotNull();
            assertThat(e.reason()).isEqualTo(ActorInvocationException.Reason.ACTOR_ERROR);
            assertThat(e.detail()).contains("Could not find function").contains("nope");
            // a second actor of the type has its own instance; the first still answers
            assertThat(call(kelpie.actor(shape, "a2"), "echo", "two")).isEqualTo("two");
            assertThat(call(a, "echo", "still here")).isEqualTo("still here");
        }
    }

    @Test
    void tinyGoActorsWriteToStdoutThroughWasi() throws IOException {
        try (Kelpie kelpie = kelpie()) {
            kelpie.deploy("old", wat(kelpie, "tinygo-legacy"));
            kelpie.deploy("new", wat(kelpie, "tinygo-reactor"));
            assertThat(call(kelpie.actor("old", "o"), "hello", "Ada")).isEqualTo("Hello, Ada!");
            assertThat(call(kelpie.actor("new", "n"), "hello", "Grace")).isEqualTo("Hello, Grace!");
            assertThat(console).anyMatch(l -> l.endsWith("o: hello from tinygo"))
                    .anyMatch(l -> l.endsWith("n: hello from tinygo"));
            assertThat(kelpie.host().guestAdapters()).contains("tinygo", "wasi", "assemblyscript");
        }
    }

    @Test
    void theZigReadmeExampleCallsTheHost() throws IOException {
        try (Kelpie kelpie = kelpie()) {
            // the README example calls a host function outside the core namespaces: the type declares it
            kelpie.deploy("zig", wat(kelpie, "zig-wapc"), ActorLimits.DEFAULTS, Set.of("sample"));
            ActorRef zig = kelpie.actor("zig", "z");
            assertThat(call(zig, "hello", "Ada")).isEqualTo("Hello, Ada and Simon!");
            // like wapc.zig, the guest answers false without a message when a request outgrows its 1000-byte buffer
            ActorInvocationException e = catchThrowableOfType(ActorInvocationException.class,
                    () -> zig.call("echo", new byte[2000]));
            assertThat(e).isNotNull();
            assertThat(e.detail()).contains("without an error message");
            assertThat(call(zig, "echo", "after")).isEqualTo("after");
        }
    }

    @Test
    void assemblyScriptWithWasiPrintsAbortsAndExits() throws IOException {
        try (Kelpie kelpie = kelpie()) {
            kelpie.deploy("asw", wat(kelpie, "as-wasi"));
            ActorRef as = kelpie.actor("asw", "w");
            assertThat(as.call("print", "printed by AssemblyScript".getBytes(UTF_8))).isEmpty();
            assertThat(console).anyMatch(l -> l.endsWith("w: printed by AssemblyScript"));
            assertThat(as.call("random", null)).hasSize(8);

            ActorInvocationException abort = catchThrowableOfType(ActorInvocationException.class, () -> as.call("abort", null));
            assertThat(abort).isNotNull();
            assertThat(abort.detail()).contains("AssemblyScript abort: boom at assembly/index.ts:7:3");
            ActorInvocationException exit = catchThrowableOfType(ActorInvocationException.class, () -> as.call("exit", null));
            assertThat(exit).isNotNull();
            assertThat(exit.detail()).contains("exited with code 3");
            // each failure ended that instance; the actor comes back with a fresh one
            assertThat(call(as, "echo", "back")).isEqualTo("back");
        }
    }
}
