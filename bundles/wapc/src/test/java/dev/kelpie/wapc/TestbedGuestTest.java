package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real Rust and AssemblyScript test guests through the waPC host: every operation of their contract. */
@Timeout(60)
class TestbedGuestTest {
    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();

    @BeforeEach
    void setUp() {
        host.setConsole(console);
        host.addGuestAdapter(new AssemblyScriptAdapter());
    }

    @AfterEach
    void tearDown() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(String guest) {
        return start(guest, InstanceOptions.labelled("actor-1"));
    }

    private WapcInstance start(String guest, InstanceOptions options) {
        WapcInstance instance = host.instantiate(Guests.compiled(guest), options);
        instances.add(instance);
        return instance;
    }

    private static byte[] hostCallPayload(String binding, String namespace, String operation, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((binding + "\n" + namespace + "\n" + operation + "\n").getBytes(UTF_8));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void echoesPayloadsOfEverySize(String guest) {
        WapcInstance instance = start(guest);
        Random random = new Random(42);
        for (int size : new int[] {0, 1, 64, 4096, 65536, 300_000}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            assertThat(instance.invoke("echo", payload)).as("echo of %d bytes", size).isEqualTo(payload);
        }
        assertThat(instance.invoke("echo", null)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void hostCallRoundTripReachesTheRightFunctionWithCallerDetails(String guest) {
        AtomicReference<HostCall> seen = new AtomicReference<>();
        host.register(new HostFunctionKey("kv", "strings", "reverse"), call -> {
            seen.set(call);
            return new StringBuilder(new String(call.payload(), UTF_8)).reverse().toString().getBytes(UTF_8);
        });
        Object context = new Object();
        WapcInstance instance = start(guest, InstanceOptions.labelled("counter:7").withCallerContext(context));

        byte[] answer = instance.invoke("host_call", hostCallPayload("kv", "strings", "reverse", "kelpie".getBytes(UTF_8)));

        assertThat(new String(answer, UTF_8)).isEqualTo("eiplek");
        assertThat(seen.get().binding()).isEqualTo("kv");
        assertThat(seen.get().namespace()).isEqualTo("strings");
        assertThat(seen.get().operation()).isEqualTo("reverse");
        assertThat(seen.get().instanceLabel()).isEqualTo("counter:7");
        assertThat(seen.get().module().hash()).isEqualTo(instance.module().hash());
        assertThat(seen.get().callerContext(Object.class)).isSameAs(context);
        assertThat(seen.get().callerContext(String.class)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void hostCallWithBinaryAndEmptyPayloadsAndWildcardOperation(String guest) {
        host.register(new HostFunctionKey("b", "bytes", "*"), call -> {
            byte[] out = new byte[call.payload().length + 1];
            out[0] = (byte) call.operation().length();
            System.arraycopy(call.payload(), 0, out, 1, call.payload().length);
            return out;
        });
        host.register(new HostFunctionKey("b", "bytes", "nothing"), call -> null);
        WapcInstance instance = start(guest);
        byte[] binary = {0, (byte) 0xff, '\n', 0, 7};

        assertThat(instance.invoke("host_call", hostCallPayload("b", "bytes", "anything", binary)))
                .isEqualTo(new byte[] {8, 0, (byte) 0xff, '\n', 0, 7});
        assertThat(instance.invoke("host_call", hostCallPayload("b", "bytes", "x", new byte[0]))).isEqualTo(new byte[] {1});
        assertThat(instance.invoke("host_call", hostCallPayload("b", "bytes", "nothing", binary)))
                .as("exact operation wins over the wildcard; null answers empty")
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void hostCallWithoutHandlerNamesBindingNamespaceAndOperation(String guest) {
        WapcInstance instance = start(guest);

        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> instance.invoke("host_call", hostCallPayload("nobind", "nospace", "noop", new byte[0])));

        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(e.detail()).isEqualTo(
                "host call failed: no host function for binding 'nobind', namespace 'nospace', operation 'noop'");
        assertThat(e.getMessage()).contains("testbed.wasm@", "actor-1", "'host_call'");
        assertThat(instance.isClosed()).isFalse();
        assertThat(instance.invoke("echo", "still fine".getBytes(UTF_8))).asString(UTF_8).isEqualTo("still fine");
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void throwingHostFunctionFailsOnlyThatHostCall(String guest) {
        host.register(new HostFunctionKey("kelpie", "flaky", "boom"), call -> {
            throw new IllegalStateException("disk on fire");
        });
        host.register(new HostFunctionKey("kelpie", "flaky", "npe"), call -> {
            throw new NullPointerException();
        });
        WapcInstance instance = start(guest);

        assertThatThrownBy(() -> instance.invoke("host_call", hostCallPayload("kelpie", "flaky", "boom", new byte[0])))
                .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.detail())
                        .isEqualTo("host call failed: disk on fire"));
        assertThatThrownBy(() -> instance.invoke("host_call", hostCallPayload("kelpie", "flaky", "npe", new byte[0])))
                .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.detail())
                        .isEqualTo("host call failed: java.lang.NullPointerException"));
        assertThat(instance.invoke("echo", new byte[] {1, 2})).isEqualTo(new byte[] {1, 2});
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void undeclaredHostNamespaceIsRefusedWithItsName(String guest) {
        host.register(new HostFunctionKey("kelpie", "secrets", "read"), call -> "s3cr3t".getBytes(UTF_8));
        host.register(new HostFunctionKey("kelpie", "clock", "now"), call -> "noon".getBytes(UTF_8));
        WapcInstance instance = start(guest, InstanceOptions.labelled("sandboxed").withHostNamespaces(java.util.Set.of("clock")));

        assertThat(instance.invoke("host_call", hostCallPayload("kelpie", "clock", "now", new byte[0])))
                .asString(UTF_8).isEqualTo("noon");
        assertThatThrownBy(() -> instance.invoke("host_call", hostCallPayload("kelpie", "secrets", "read", new byte[0])))
                .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.detail()).isEqualTo(
                        "host call failed: host namespace 'secrets' is not declared by module " + instance.module().label()
                                + " (declared: clock)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void guestErrorIsReportedAndInstanceStaysUsable(String guest) {
        WapcInstance instance = start(guest);

        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> instance.invoke("fail", "out of coffee ☕".getBytes(UTF_8)));

        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(e.detail()).isEqualTo("guest failed: out of coffee ☕");
        assertThat(e.operation()).isEqualTo("fail");
        assertThat(instance.isClosed()).isFalse();
        assertThat(instance.invoke("fib", "10".getBytes(UTF_8))).asString(UTF_8).isEqualTo("55");
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void unknownOperationIsAGuestError(String guest) {
        WapcInstance instance = start(guest);

        assertThatThrownBy(() -> instance.invoke("no_such_op", new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
                    assertThat(e.detail()).isEqualTo("unknown operation: no_such_op");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void trapFailsTheCallNamesModuleAndOperationAndClosesTheInstance(String guest) {
        WapcInstance instance = start(guest);
        WapcInstance other = start(guest, InstanceOptions.labelled("bystander"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("trap", new byte[0]));

        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.getMessage()).contains("guest trapped", "testbed.wasm@", "'trap'", "unreachable");
        assertThat(instance.isClosed()).isTrue();
        assertThatThrownBy(() -> instance.invoke("echo", new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, closed -> {
                    assertThat(closed.kind()).isEqualTo(Kind.CLOSED);
                    assertThat(closed.detail()).contains("closed after a trap in operation 'trap'");
                });
        assertThat(other.invoke("echo", new byte[] {9})).as("another instance is untouched").isEqualTo(new byte[] {9});
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void consoleLogNamesModuleAndInstance(String guest) {
        WapcInstance instance = start(guest, InstanceOptions.labelled("logger:1"));

        assertThat(instance.invoke("log", "hello from the guest".getBytes(UTF_8))).asString(UTF_8).isEqualTo("logged");

        assertThat(console.lines).contains("testbed.wasm|logger:1|hello from the guest");
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void fibComputesInsideTheGuest(String guest) {
        WapcInstance instance = start(guest);
        assertThat(instance.invoke("fib", "25".getBytes(UTF_8))).asString(UTF_8).isEqualTo("75025");
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void memoryGrowthStopsAtTheCap(String guest) {
        WapcInstance instance = start(guest, InstanceOptions.labelled("grower").withMaxMemoryBytes(32L << 20));
        int before = instance.memoryPages();

        assertThat(instance.invoke("alloc", "4000000".getBytes(UTF_8))).asString(UTF_8).isEqualTo("4000000");
        assertThat(instance.memoryPages()).isGreaterThan(before).isLessThanOrEqualTo(512);

        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> instance.invoke("alloc", "64000000".getBytes(UTF_8)));
        assertThat(e.kind()).as("allocation past the 32 MiB cap fails the call").isEqualTo(Kind.TRAP);
        assertThat(instance.memoryPages()).isLessThanOrEqualTo(512);
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void interruptStopsASpinningGuestAndClosesIt(String guest) throws Exception {
        WapcInstance instance = start(guest);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Thread> runner = new AtomicReference<>();
            CompletableFuture<Throwable> failure = CompletableFuture.supplyAsync(() -> {
                runner.set(Thread.currentThread());
                try {
                    instance.invoke("spin", new byte[0]);
                    return null;
                } catch (Throwable t) {
                    return t;
                } finally {
                    Thread.interrupted();
                }
            }, pool);
            Thread.sleep(300);
            assertThat(failure).isNotDone();
            runner.get().interrupt();

            Throwable t = failure.get(20, TimeUnit.SECONDS);
            assertThat(t).isInstanceOfSatisfying(GuestCallException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED));
            assertThat(instance.isClosed()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void callsFromManyThreadsAreSerialisedAndCorrect(String guest) throws Exception {
        WapcInstance instance = start(guest);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(CompletableFuture.supplyAsync(() -> {
                    for (int i = 0; i < 300; i++) {
                        byte[] payload = ("thread " + thread + " call " + i).getBytes(UTF_8);
                        if (!java.util.Arrays.equals(instance.invoke("echo", payload), payload)) {
                            return false;
                        }
                    }
                    return true;
                }, pool));
            }
            for (CompletableFuture<Boolean> r : results) {
                assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void reentrantCallIntoTheSameInstanceIsRefusedNotDeadlocked(String guest) {
        AtomicReference<WapcInstance> self = new AtomicReference<>();
        host.register(new HostFunctionKey("kelpie", "loop", "back"), call -> self.get().invoke("echo", call.payload()));
        WapcInstance instance = start(guest);
        self.set(instance);

        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> instance.invoke("host_call", hostCallPayload("kelpie", "loop", "back", new byte[] {1})));

        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(e.detail()).startsWith("host call failed: call refused").contains("re-entrant");
        assertThat(instance.invoke("echo", new byte[] {3})).isEqualTo(new byte[] {3});
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void interpretedModeRunsTheSameContract(String guest) {
        CompiledModule interpreted = Guests.INTERPRETED.install("interpreted", Guests.bytes(guest));
        try (WapcInstance instance = host.instantiate(interpreted, InstanceOptions.labelled("slow"))) {
            assertThat(instance.invoke("echo", new byte[] {1, 2, 3})).isEqualTo(new byte[] {1, 2, 3});
            assertThat(instance.invoke("fib", "15".getBytes(UTF_8))).asString(UTF_8).isEqualTo("610");
            assertThatThrownBy(() -> instance.invoke("trap", new byte[0]))
                    .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TRAP));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void refusesEmptyOperationNamesAndCallsOnClosedInstances(String guest) {
        WapcInstance instance = start(guest);

        assertThatThrownBy(() -> instance.invoke("", new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.kind()).isEqualTo(Kind.REFUSED));
        assertThatThrownBy(() -> instance.invoke(null, new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, e -> assertThat(e.kind()).isEqualTo(Kind.REFUSED));

        instance.close();
        instance.close();
        assertThat(instance.isClosed()).isTrue();
        assertThatThrownBy(() -> instance.invoke("echo", new byte[0]))
                .isInstanceOfSatisfying(GuestCallException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CLOSED);
                    assertThat(e.getMessage()).contains("instance closed", "actor-1", "'echo'");
                });
    }
}
