package dev.kelpie.timers.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.guest.micropython.MicroPythonAdapter;
import dev.kelpie.guest.micropython.PythonTranslator;
import dev.kelpie.guest.tinygo.TinyGoAdapter;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.MvStoreStateStore;
import dev.kelpie.timers.Reminder;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guests' counters' {@code remind} operation, through the SDKs' reminder wrappers and the host functions:
 * the reminder is stored in a real MVStore file, the runtime, the timers and the store are closed and opened
 * again, and the reminder then increments the counter. (The Python counter is MicroPython plus counter.py: the
 * prelude's {@code kelpie.reminders.set}. The Go counter's {@code remind} uses the same host
 * calls; its module takes seconds to compile, so it is left to the SDK's build.)
 */
@Timeout(120)
class CounterRemindTest {
    private static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    static {
        REGISTRY.addSourceTranslator(new PythonTranslator()); // counter.py: MicroPython plus the source
    }
    private final ManualScheduler clock = new ManualScheduler();

    @TempDir
    Path data;

    /** One start of Kelpie: store, waPC host with state/log/timers/reminders, runtime, timers. */
    private final class Node implements AutoCloseable {
        final MvStoreStateStore store = new MvStoreStateStore(data);
        final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        final KelpieActorRuntime runtime = new KelpieActorRuntime(REGISTRY, host, store,
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        final KelpieTimers timers = new KelpieTimers(runtime, store, TimerSettings.DEFAULTS, clock);

        Node(String type, String resource) {
            host.addGuestAdapter(new AssemblyScriptAdapter(new WasiAdapter()));
            host.addGuestAdapter(new WasiAdapter());
            host.addGuestAdapter(new TinyGoAdapter());
            host.addGuestAdapter(new MicroPythonAdapter());
            StateHostFunctions.all().forEach(host::register);
            LogHostFunctions.all().forEach(host::register);
            TimersHostFunctions.all(timers, timers).forEach(host::register);
            runtime.addLifecycleListener(timers);
            ModuleHash module = REGISTRY.install(resource.substring(resource.lastIndexOf('/') + 1), bytes(resource))
                    .descriptor().hash();
            runtime.deploy(ActorType.wasm(type, module).withHostNamespaces(Set.of("reminders")));
        }

        String call(ActorId id, String operation, String payload) {
            return new String(runtime.ref(id).call(operation, payload.getBytes(UTF_8)), UTF_8);
        }

        @Override
        public void close() {
            timers.close();
            runtime.close();
            store.close();
        }
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = CounterRemindTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/wasm/rust/counter.wasm", "/wasm/rust/counter-example.wasm",
        "/wasm/assemblyscript/counter.wasm", "/wasm/c/counter/counter.wasm", "/wasm/tinygo-shaped/counter/counter.wasm",
        "/wasm/python/counter/counter.py"})
    void remindIncrementsTheCounterAfterARestart(String resource) throws Exception {
        ActorId c1 = new ActorId("counter", "c1");
        try (Node node = new Node("counter", resource)) {
            assertThat(node.call(c1, "increment", "")).isEqualTo("1");
            assertThat(node.call(c1, "remind", "5000 41")).isEqualTo("ok");
            assertThat(node.timers.reminders()).extracting(Reminder::actor, Reminder::name, Reminder::operation)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(c1, "remind", "increment"));
            assertThatThrownBy(() -> node.call(c1, "remind", "soon"))
                    .hasMessageContaining("bad remind payload: soon");
        }
        clock.advance(10_000); // nothing runs while Kelpie is down
        try (Node node = new Node("counter", resource)) {
            clock.advance(0);
            clock.runUntil(() -> node.timers.reminders().isEmpty());
            assertThat(node.call(c1, "get", "")).isEqualTo("42");
        }
    }

    @Test
    void withoutTheNamespaceTheGuestGetsAHostError() {
        try (Node node = new Node("counter", "/wasm/rust/counter.wasm")) {
            node.runtime.deploy(ActorType.wasm("bare", node.runtime.type("counter").orElseThrow().module())
                    .withHostNamespaces(Set.of()));
            assertThatThrownBy(() -> node.call(new ActorId("bare", "b"), "remind", "10"))
                    .hasMessageContaining("reminders");
            assertThat(node.timers.reminders()).isEmpty();
        }
    }
}
