package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.guest.go.GoAdapter;
import dev.kelpie.guest.micropython.MicroPythonAdapter;
import dev.kelpie.guest.micropython.PythonTranslator;
import dev.kelpie.guest.tinygo.TinyGoAdapter;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.host.actors.ActorsHostFunctions;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.runtime.KelpieActorRuntime;
import dev.kelpie.runtime.RuntimeSettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real actor runtime wired in plain Java, as the runtime's own test fixture does it: a
 * {@link ChicoryModuleRegistry} (compiled mode), a {@link ChicoryWapcHost} with every guest adapter (AssemblyScript,
 * WASI, TinyGo, Go, as the embedded Kelpie wires them) and the built-in
 * {@code state}, {@code log} and {@code actors} host functions, a state store and a
 * {@link KelpieActorRuntime}. The registry is the runtime's, so {@link #install} compiles a guest once and
 * both the runtime and the benchmarks' bare-instance baselines use that same compiled module.
 */
public final class ActorBench implements AutoCloseable {
    /** The Rust testbed: op {@code echo} answers its payload. */
    public static final String TESTBED = "/wasm/rust/testbed.wasm";
    /** The AssemblyScript testbed (1 page of linear memory instead of 17): op {@code echo}. */
    public static final String TESTBED_AS = "/wasm/assemblyscript/testbed.wasm";
    /** The Rust counter: ops {@code increment} and {@code get}, state through the host functions. */
    public static final String COUNTER = "/wasm/rust/counter.wasm";
    /** Limits of the benchmarked types: the defaults, but a mailbox that takes a whole pipelined batch. */
    public static final ActorLimits LIMITS = ActorLimits.DEFAULTS.withMailboxCapacity(100_000);
    /** Longest any benchmark waits for one batch before calling the run broken. */
    static final long BATCH_TIMEOUT_SECONDS = 60;

    /**
     * Guests' own log lines (the counter logs on activation and passivation) at INFO would interleave with
     * JMH's output; only the guests' loggers are quietened, not the runtime's. Held here: JUL keeps loggers
     * weakly.
     */
    private static final java.util.logging.Logger GUEST_LOG = java.util.logging.Logger.getLogger("kelpie.actor");

    static {
        GUEST_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    public final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    public final ChicoryWapcHost host;
    public final StateStore store;
    public final KelpieActorRuntime runtime;

    public ActorBench(StateStore store, RuntimeSettings settings) {
        this(store, settings, WapcSettings.DEFAULTS);
    }

    /** With the waPC host's settings (for example memory images off, for a baseline). */
    public ActorBench(StateStore store, RuntimeSettings settings, WapcSettings wapc) {
        this.host = new ChicoryWapcHost(wapc);
        this.store = store;
        host.setConsole((module, label, line) -> { });
        // every adapter, in the embedded Kelpie's default order (Rust and Zig-shaped guests need none)
        host.addGuestAdapter(new AssemblyScriptAdapter(new WasiAdapter()));
        host.addGuestAdapter(new WasiAdapter());
        host.addGuestAdapter(new TinyGoAdapter());
        host.addGuestAdapter(new GoAdapter());
        host.addGuestAdapter(new MicroPythonAdapter());
        registry.addSourceTranslator(new PythonTranslator()); // .py resources: Python actors
        StateHostFunctions.all().forEach(host::register);
        LogHostFunctions.all().forEach(host::register);
        ActorsHostFunctions.all().forEach(host::register);
        this.runtime = new KelpieActorRuntime(registry, host, store, settings);
    }

    /** In-memory state, default settings (one worker per core), a short shutdown grace. */
    public ActorBench() {
        this(new InMemoryStateStore(), settings());
    }

    /** Default runtime settings with a short shutdown grace (benchmark teardown should not wait 10 s). */
    public static RuntimeSettings settings() {
        return RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2));
    }

    /** {@code rust} or {@code assemblyscript} (a benchmark's {@code guest} parameter) to its testbed. */
    public static String testbed(String guest) {
        switch (guest) {
            case "rust": return TESTBED;
            case "assemblyscript": return TESTBED_AS;
            default: throw new IllegalArgumentException("unknown guest " + guest);
        }
    }

    /** Installs (compiles once) a guest of kelpie-example-modules into this runtime's registry. */
    public CompiledModule install(String resource) {
        return registry.install(resource.substring(resource.lastIndexOf('/', resource.lastIndexOf('/') - 1) + 1),
                Guests.bytes(resource));
    }

    /** Installs a guest and deploys it as a WASM actor type. */
    public CompiledModule deploy(String typeName, String resource) {
        CompiledModule compiled = install(resource);
        runtime.deploy(ActorType.wasm(typeName, compiled.descriptor().hash(), LIMITS));
        return compiled;
    }

    @Override
    public void close() {
        runtime.close();
        if (store instanceof AutoCloseable) {
            try {
                ((AutoCloseable) store).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the store failed", e);
            }
        }
    }

    /** The benchmarks' 64-byte payload (fixed seed). */
    public static byte[] payload(int bytes) {
        byte[] p = new byte[bytes];
        new Random(42).nextBytes(p);
        return p;
    }

    /**
     * Waits for a batch to one actor and returns its last response. One actor runs its messages in order,
     * so the last one completes last: the caller blocks (and is woken) once per batch, not once per
     * message; every other reply is then checked without blocking. Fails loudly on a failed or hung
     * invocation.
     */
    static byte[] awaitInOrder(CompletableFuture<byte[]>[] batch, int n) {
        try {
            byte[] last = batch[n - 1].get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < n - 1; i++) {
                batch[i].getNow(null); // throws if it failed
                if (!batch[i].isDone()) {
                    throw new IllegalStateException("reply " + i + " not complete after the last one: out of order");
                }
            }
            return last;
        } catch (Exception e) {
            throw new IllegalStateException("benchmark batch failed: " + e, e);
        }
    }

    /**
     * Waits for a batch reply by reply, in order, as a naive client does: every reply that is not there yet
     * parks the caller, and completing it then costs the actor's worker an unpark (a futex wake).
     */
    static byte[] awaitEach(CompletableFuture<byte[]>[] batch, int n) {
        byte[] last = null;
        try {
            for (int i = 0; i < n; i++) {
                last = batch[i].get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("benchmark batch failed: " + e, e);
        }
        return last;
    }

    /**
     * Waits for a batch spread over many actors (replies complete in any order) with one blocking wait,
     * and returns the last response; fails loudly on a failed or hung invocation.
     */
    static byte[] awaitAll(CompletableFuture<byte[]>[] batch, int n) {
        try {
            CompletableFuture<?> all = n == batch.length ? CompletableFuture.allOf(batch)
                    : CompletableFuture.allOf(java.util.Arrays.copyOf(batch, n));
            all.get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return batch[n - 1].join();
        } catch (Exception e) {
            throw new IllegalStateException("benchmark batch failed: " + e, e);
        }
    }

    /** One sanity call through a ref: its echo must come back unchanged. */
    static void checkEcho(ActorRef ref, byte[] payload) {
        Guests.check(Arrays.equals(ref.call("echo", payload), payload), "echo through " + ref);
    }
}
