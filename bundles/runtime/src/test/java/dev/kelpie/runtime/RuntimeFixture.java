package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.api.wapc.WapcHost;
import dev.kelpie.host.actors.ActorsHostFunctions;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real runtime: registry, waPC host with the built-in state/log/actors host functions, a store. */
final class RuntimeFixture implements AutoCloseable {
    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    final ChicoryWapcHost host;
    final StateStore store;
    final KelpieActorRuntime runtime;
    final CopyOnWriteArrayList<String> console = new CopyOnWriteArrayList<>();

    RuntimeFixture() {
        this(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withShutdownGrace(java.time.Duration.ofSeconds(2)));
    }

    RuntimeFixture(StateStore store, RuntimeSettings settings) {
        this(store, settings, WapcSettings.DEFAULTS);
    }

    RuntimeFixture(StateStore store, RuntimeSettings settings, WapcSettings hostSettings) {
        this(store, settings, hostSettings, h -> h);
    }

    /** A runtime whose waPC host is {@code wrap} applied to the real one. */
    RuntimeFixture(StateStore store, RuntimeSettings settings, WapcSettings hostSettings,
            java.util.function.Function<ChicoryWapcHost, WapcHost> wrap) {
        this.store = store;
        this.host = new ChicoryWapcHost(hostSettings);
        host.setConsole((module, label, line) -> console.add(label + ": " + line));
        StateHostFunctions.all().forEach(host::register);
        LogHostFunctions.all().forEach(host::register);
        ActorsHostFunctions.all().forEach(host::register);
        this.runtime = new KelpieActorRuntime(REGISTRY, wrap.apply(host), store, settings);
    }

    static byte[] bytes(String resource) {
        try (InputStream in = RuntimeFixture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModuleHash module(String resource) {
        return REGISTRY.install(resource.substring(resource.lastIndexOf('/') + 1), bytes(resource)).descriptor().hash();
    }

    static ModuleHash testbed() {
        return module("/wasm/rust/testbed.wasm");
    }

    static ModuleHash counter() {
        return module("/wasm/rust/counter.wasm");
    }

    void deployWasm(String type, ModuleHash module, ActorLimits limits) {
        runtime.deploy(ActorType.wasm(type, module, limits));
    }

    @Override
    public void close() {
        runtime.close();
    }
}
