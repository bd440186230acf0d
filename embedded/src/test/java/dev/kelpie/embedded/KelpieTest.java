package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.WapcInstance;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-Java embedding API, end to end with the real guests. */
class KelpieTest {

    static byte[] resource(String path) throws IOException {
        try (InputStream in = KelpieTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }

    @Test
    void loadsFromAPathInstantiatesInvokesAndCallsTheHost(@TempDir Path dir) throws IOException {
        Path wasm = dir.resolve("greeter.wasm");
        Files.write(wasm, resource("/wasm/rust/testbed.wasm"));
        List<String> log = new CopyOnWriteArrayList<>();
        try (Kelpie kelpie = Kelpie.builder()
                .hostFunction("greeting", "hello", call -> ("hello, " + new String(call.payload(), UTF_8)).getBytes(UTF_8))
                .console((module, label, line) -> log.add(label + ": " + line))
                .build()) {
            Kelpie.Module module = kelpie.load(wasm);
            assertThat(module.descriptor().name()).isEqualTo("greeter.wasm");
            assertThat(module.descriptor().guestLanguage()).isEqualTo("rust");

            try (WapcInstance guest = module.instantiate("demo")) {
                assertThat(guest.invoke("echo", "ping".getBytes(UTF_8))).asString(UTF_8).isEqualTo("ping");
                assertThat(guest.invoke("host_call", "kelpie\ngreeting\nhello\nworld".getBytes(UTF_8)))
                        .asString(UTF_8).isEqualTo("hello, world");
                guest.invoke("log", "hi".getBytes(UTF_8));
            }
            assertThat(log).containsExactly("demo: hi");
            assertThat(kelpie.host().hostFunctions()).contains(new HostFunctionKey("kelpie", "greeting", "hello"),
                    new HostFunctionKey("kelpie", "state", "get"), new HostFunctionKey("kelpie", "actors", "call"));
            assertThat(kelpie.host().guestAdapters()).containsExactly("assemblyscript", "go", "python", "tinygo", "wasi");
        }
    }

    @Test
    void assemblyScriptGuestsWorkOutOfTheBox() throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            try (WapcInstance guest = kelpie.load("as", resource("/wasm/assemblyscript/testbed.wasm")).instantiate("as-1")) {
                assertThat(guest.invoke("fib", "20".getBytes(UTF_8))).asString(UTF_8).isEqualTo("6765");
            }
        }
    }

    @Test
    void hostFunctionsCanBeAddedAndRemovedLive() throws Exception {
        try (Kelpie kelpie = Kelpie.builder().executionMode(ExecutionMode.INTERPRETED).build();
                WapcInstance guest = kelpie.load("rust", resource("/wasm/rust/testbed.wasm")).instantiate("live")) {
            byte[] call = "kelpie\nclock\nnow\n".getBytes(UTF_8);
            assertThatThrownBy(() -> guest.invoke("host_call", call)).isInstanceOf(GuestCallException.class)
                    .hasMessageContaining("no host function for binding 'kelpie', namespace 'clock', operation 'now'");

            AutoCloseable registration = kelpie.addHostFunction(new HostFunctionKey("kelpie", "clock", "now"),
                    c -> "12:00".getBytes(UTF_8));
            assertThat(guest.invoke("host_call", call)).asString(UTF_8).isEqualTo("12:00");

            registration.close();
            assertThatThrownBy(() -> guest.invoke("host_call", call)).isInstanceOf(GuestCallException.class);
        }
    }

    @Test
    void runsWasmAndNativeActorsWithDurableState(@TempDir Path dir) throws IOException {
        try (Kelpie kelpie = Kelpie.builder().dataDirectory(dir).build()) {
            kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")));
            kelpie.deployNative("greeter", () -> (ctx, op, payload) -> ("hello " + ctx.self().id()).getBytes(UTF_8));
            ActorRef counter = kelpie.actor("counter", "c1");
            counter.call("increment", "5".getBytes(UTF_8));
            assertThat(counter.call("increment", new byte[0])).asString(UTF_8).isEqualTo("6");
            assertThat(kelpie.actor("greeter", "bob").call("hi", null)).asString(UTF_8).isEqualTo("hello bob");
            assertThat(kelpie.actors().actors()).hasSize(2);
        }
        try (Kelpie kelpie = Kelpie.builder().dataDirectory(dir).build()) {
            kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")));
            assertThat(kelpie.actor("counter", "c1").call("get", null)).asString(UTF_8).isEqualTo("6");
        }
    }

    @Test
    void actorsWithoutADataDirectoryKeepStateInMemory() throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            kelpie.deploy("counter", kelpie.load("counter.wasm", resource("/wasm/rust/counter.wasm")));
            assertThat(kelpie.actor("counter", "m").call("increment", null)).asString(UTF_8).isEqualTo("1");
            assertThatThrownBy(() -> kelpie.actor("nope", "x").call("op", null))
                    .isInstanceOf(ActorInvocationException.class).hasMessageContaining("no actor type 'nope' is deployed");
        }
    }

    @Test
    void closingKelpieClosesItsInstances() throws IOException {
        Kelpie kelpie = Kelpie.builder().build();
        WapcInstance guest = kelpie.load("rust", resource("/wasm/rust/testbed.wasm")).instantiate("owned");
        kelpie.close();
        assertThat(guest.isClosed()).isTrue();
        assertThatThrownBy(() -> kelpie.load("again", new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void badInputIsRejectedClearly(@TempDir Path dir) {
        try (Kelpie kelpie = Kelpie.builder().maxModuleBytes(1024).build()) {
            assertThatThrownBy(() -> kelpie.load("junk.wasm", "not wasm".getBytes(UTF_8)))
                    .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("junk.wasm")
                    .hasMessageContaining("not a WebAssembly binary");
            assertThatThrownBy(() -> kelpie.load("big.wasm", resource("/wasm/rust/testbed.wasm")))
                    .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("size cap of 1024 bytes");
            assertThatThrownBy(() -> kelpie.load(dir.resolve("missing.wasm")))
                    .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("missing.wasm");
            assertThat(kelpie.registry().list()).isEmpty();
        }
        assertThatThrownBy(() -> Kelpie.builder().hostFunction("n", "o", c -> null).hostFunction("n", "o", c -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kelpie/n/o");
        assertThatThrownBy(() -> Kelpie.builder().maxModuleBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Kelpie.builder().maxMemoryBytes(1000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRuntimeThatFailsToBuildLeavesTheStoreClosed(@TempDir Path dir) throws IOException {
        Kelpie.Builder failing = Kelpie.builder().dataDirectory(dir);
        failing.runtimeFactory = (registry, host, store, settings) -> {
            throw new IllegalStateException("no runtime today");
        };
        assertThatThrownBy(failing::build).isInstanceOf(IllegalStateException.class).hasMessage("no runtime today");
        // the store was closed: its file is not locked, so the directory opens again
        try (Kelpie kelpie = Kelpie.builder().dataDirectory(dir).build()) {
            kelpie.deployNative("n", () -> (ctx, op, payload) -> new byte[0]);
            assertThat(kelpie.actor("n", "x").call("op", null)).isEmpty();
        }
    }
    @Test
    void deployedTypesMayCallTheCoreNamespacesOnlyUnlessTheyDeclareMore() throws IOException {
        try (Kelpie kelpie = Kelpie.builder().hostFunction("greeting", "hello", call -> "hi".getBytes(UTF_8)).build()) {
            Kelpie.Module testbed = kelpie.load("testbed.wasm", resource("/wasm/rust/testbed.wasm"));
            byte[] greet = "kelpie\ngreeting\nhello\nx".getBytes(UTF_8);
            kelpie.deploy("plain", testbed);
            assertThat(kelpie.actors().type("plain").orElseThrow().hostNamespaces()).isEmpty();
            assertThatThrownBy(() -> kelpie.actor("plain", "p").call("host_call", greet))
                    .isInstanceOf(ActorInvocationException.class).hasMessageContaining("host namespace 'greeting' is not declared");
            kelpie.deploy("greeter", testbed, kelpie.actors().defaultLimits(), java.util.Set.of("greeting"));
            assertThat(kelpie.actor("greeter", "g").call("host_call", greet)).asString(UTF_8).isEqualTo("hi");
        }
    }

    @Test
    void aModuleThatCannotBeInstantiatedIsNotDeployed() throws IOException {
        try (Kelpie kelpie = Kelpie.builder().build()) {
            Kelpie.Module broken = kelpie.load("unlinkable.wasm", resource("/wasm/wat/unsatisfiable-imports.wasm"));
            assertThatThrownBy(() -> kelpie.deploy("broken", broken))
                    .isInstanceOf(dev.kelpie.api.deploy.DeploymentException.class)
                    .hasMessageStartingWith("module unlinkable.wasm@").hasMessageContaining("not deployed as type 'broken'");
            assertThat(kelpie.actors().types()).isEmpty();
            assertThat(kelpie.registry().list()).hasSize(1); // loaded by the caller: kept
        }
    }
}
