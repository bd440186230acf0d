package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleExport;
import dev.kelpie.api.module.ModuleImport;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example actors echo, counter and greeter give the same answers and errors in every guest language
 * (wasm-modules/{rust,assemblyscript,c,tinygo-shaped,python}).
 */
@Timeout(60)
class ExampleActorsTest {
    private static Kelpie.Module example(Kelpie kelpie, String language, String name) throws IOException {
        // the Rust example counter is the test counter built with --cfg counter_example
        String file = language.equals("rust") && name.equals("counter") ? "counter-example" : name;
        if (language.equals("python")) { // a source: the module is MicroPython with it
            return kelpie.load(name + ".py", KelpieTest.resource("/wasm/python/" + name + "/" + name + ".py"));
        }
        String path = language.equals("c") || language.equals("tinygo-shaped")
                ? "/wasm/" + language + "/" + name + "/" + name + ".wasm" : "/wasm/" + language + "/" + file + ".wasm";
        return kelpie.load(name + "-" + language + ".wasm", KelpieTest.resource(path));
    }

    private static String call(ActorRef actor, String operation, String payload) {
        return new String(actor.call(operation, payload == null ? null : payload.getBytes(UTF_8)), UTF_8);
    }

    private static String error(ActorRef actor, String operation, String payload) {
        ActorInvocationException e = catchThrowableOfType(ActorInvocationException.class,
                () -> actor.call(operation, payload.getBytes(UTF_8)));
        assertThat(e).as("%s %s", operation, payload).isNotNull();
        assertThat(e.reason()).isEqualTo(ActorInvocationException.Reason.ACTOR_ERROR);
        return e.getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rust", "assemblyscript", "c", "tinygo-shaped", "python"})
    void theExampleActorsAnswerAlike(String language) throws IOException {
        List<String> console = new CopyOnWriteArrayList<>();
        try (Kelpie kelpie = Kelpie.builder()
                .console((module, label, line) -> console.add(label + ": " + line))
                .hostFunction("greeting", "hello", c -> ("Hello, " + new String(c.payload(), UTF_8) + "!").getBytes(UTF_8))
                .build()) {
            kelpie.deploy("echo", example(kelpie, language, "echo"));
            kelpie.deploy("counter", example(kelpie, language, "counter"));
            kelpie.deploy("greeter", example(kelpie, language, "greeter"), kelpie.actors().defaultLimits(),
                    Set.of("greeting", "actors"));

            assertThat(call(kelpie.actor("echo", "e"), "echo", "héllo")).isEqualTo("héllo");
            assertThat(error(kelpie.actor("echo", "e"), "shout", "x")).contains("unknown operation: shout");

            ActorRef counter = kelpie.actor("counter", "c1");
            assertThat(call(counter, "get", null)).isEqualTo("0");
            assertThat(call(counter, "increment", null)).isEqualTo("1");
            assertThat(call(counter, "increment", "41")).isEqualTo("42");
            assertThat(call(counter, "increment", "-50")).isEqualTo("-8");
            assertThat(call(counter, "get", null)).isEqualTo("-8");
            assertThat(error(counter, "increment", "4x")).contains("bad amount: 4x");
            assertThat(error(counter, "increment", "99999999999999999999")).contains("bad amount: 99999999999999999999");
            assertThat(call(counter, "reset", null)).isEqualTo("0");
            assertThat(call(counter, "increment", "9223372036854775807")).isEqualTo("9223372036854775807");
            assertThat(error(counter, "increment", "1")).contains("count overflow");
            assertThat(call(counter, "get", null)).isEqualTo("9223372036854775807");
            assertThat(call(counter, "reset", null)).isEqualTo("0");
            assertThat(call(counter, "increment", "-9223372036854775808")).isEqualTo("-9223372036854775808");

            ActorRef greeter = kelpie.actor("greeter", "g");
            assertThat(call(greeter, "greet", "")).isEqualTo("Hello, world!");
            assertThat(call(greeter, "greet_counted", "Ada")).isEqualTo("Hello, Ada! Visitor number 1.");
            assertThat(call(greeter, "greet_counted", "Ada")).isEqualTo("Hello, Ada! Visitor number 2.");
            assertThat(call(kelpie.actor("counter", "Ada"), "get", null)).isEqualTo("2");
            assertThat(console).contains("greeter:g: Ada is visitor 2");
        }
    }

    /** The TinyGo-shaped examples (C in TinyGo's c-shared shape) are listed, and served, as TinyGo modules. */
    @ParameterizedTest
    @ValueSource(strings = {"echo", "counter", "greeter"})
    void theTinyGoShapedExamplesLookLikeTinyGo(String name) throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            ModuleDescriptor module = example(kelpie, "tinygo-shaped", name).descriptor();
            assertThat(module.guestLanguage()).isEqualTo("tinygo");
            assertThat(module.producers()).contains("processed-by=tinygo 0.35.0");
            assertThat(module.exports()).extracting(ModuleExport::name)
                    .containsExactlyInAnyOrder("memory", "_initialize", "wapc_init", "__guest_call");
            assertThat(module.imports()).extracting(ModuleImport::module)
                    .allMatch(m -> m.equals("wapc") || m.equals("wasi_snapshot_preview1"));
            assertThat(kelpie.host().guestAdapters()).contains("tinygo");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rust", "assemblyscript", "c", "tinygo-shaped", "python"})
    void aGreeterWithoutTheGreetingHostFunctionSaysSo(String language) throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            kelpie.deploy("greeter", example(kelpie, language, "greeter"), kelpie.actors().defaultLimits(),
                    Set.of("greeting", "actors"));
            assertThat(error(kelpie.actor("greeter", "g"), "greet", "Ada")).contains("greeting failed: ");
        }
    }
}
