package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Modules that break the rules, written in WAT (wasm-modules/wat), and what the host makes of them. */
@Timeout(60)
class EdgeCaseModulesTest {
    private final RecordingConsole console = new RecordingConsole();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);

    EdgeCaseModulesTest() {
        host.setConsole(console);
    }

    private WapcInstance start(String wat) {
        return host.instantiate(Guests.wat(wat), InstanceOptions.labelled("edge"));
    }

    private ModuleInstantiationException failsToStart(String wat) {
        return catchThrowableOfType(ModuleInstantiationException.class, () -> start(wat));
    }

    @Test
    void moduleWithoutGuestCallIsNotAWapcGuest() {
        ModuleInstantiationException e = failsToStart("no-guest-call");
        assertThat(e.getMessage()).contains("no-guest-call.wasm@", "does not export the waPC function __guest_call");
        assertThat(e.moduleLabel()).startsWith("no-guest-call.wasm@");
    }

    @Test
    void guestCallWithTheWrongTypeIsRefused() {
        assertThat(failsToStart("wrong-guest-call-type").getMessage())
                .contains("__guest_call has type (i32) -> (i32), waPC needs (i32, i32) -> (i32)");
    }

    @Test
    void moduleWithoutExportedMemoryIsRefused() {
        assertThat(failsToStart("no-memory").getMessage()).contains("exports no memory named 'memory'");
    }

    @Test
    void unsatisfiableImportsAreAllListed() {
        ModuleInstantiationException e = failsToStart("unsatisfiable-imports");
        assertThat(e.getMessage()).contains(
                "imports what the host cannot satisfy",
                "env.missing_fn (i32) -> (i32)",
                "wasi_snapshot_preview1.fd_write (i32, i32, i32, i32) -> (i32)",
                "env.table (table",
                "no guest adapter recognises it");
        assertThat(e.getMessage()).doesNotContain("__guest_response");
    }

    @Test
    void aModuleNoAdapterTakesIsRefusedListingTheAdaptersAndWhatTheySupply() {
        host.addGuestAdapter(new AssemblyScriptAdapter());
        ModuleInstantiationException e = failsToStart("unsatisfiable-imports");
        assertThat(e.getMessage()).contains("env.missing_fn (i32) -> (i32)",
                "wasi_snapshot_preview1.fd_write (i32, i32, i32, i32) -> (i32)", "env.table (table",
                "no guest adapter recognises it (guest language: ",
                "; guest adapters: assemblyscript supplies env.abort env.trace env.seed)");
        assertThat(host.guestAdapterFor(Guests.wat("unsatisfiable-imports").descriptor())).isEmpty();
        assertThat(host.guestAdapterFor(Guests.compiled(Guests.ASSEMBLYSCRIPT).descriptor())).contains("assemblyscript");
        assertThat(host.guestAdapterFor(Guests.compiled(Guests.RUST).descriptor())).isEmpty();
        assertThat(host.guestAdapterSupplies()).containsOnlyKeys("assemblyscript")
                .containsEntry("assemblyscript", java.util.List.of("env.abort", "env.trace", "env.seed"));
    }

    @Test
    void aWapcImportWithTheWrongSignatureIsNamedWithBothTypes() {
        assertThat(failsToStart("wrong-wapc-signature").getMessage())
                .contains("wapc.__guest_response (i32) -> () (the host has (i32, i32) -> ())");
    }

    @Test
    void initialMemoryOverTheCapIsRefused() {
        assertThat(failsToStart("big-initial-memory").getMessage())
                .contains("memory starts at 4800 pages", "over the cap of 4096 pages");
    }

    @Test
    void initExportsRunInOrderAndMayLog() {
        try (WapcInstance instance = start("init-order")) {
            assertThat(instance.invoke("anything", new byte[0])).asString(UTF_8).isEqualTo("SIW");
            assertThat(console.lines).contains("init-order.wasm|edge|init done");
        }
    }

    @Test
    void callExportRunsAHookAsACallFromTheHost() {
        try (WapcInstance instance = start("init-order")) {
            assertThat(instance.callExport("_initialize")).isTrue();
            assertThat(instance.callExport("wapc_init")).isTrue();
            assertThat(instance.callExport("no_such_export")).isFalse();
            assertThat(instance.callExport(null)).isFalse();
            assertThat(instance.invoke("anything", new byte[0])).asString(UTF_8).isEqualTo("SIWIW");
            assertThat(console.lines).containsExactly("init-order.wasm|edge|init done", "init-order.wasm|edge|init done");
        }
        WapcInstance trapping = host.instantiate(Guests.wat("deep-recursion"), InstanceOptions.labelled("edge"));
        assertThat(trapping.callExport("__guest_call")).as("not a () -> () export").isFalse();
    }

    @Test
    void trapDuringInitFailsInstantiation() {
        ModuleInstantiationException e = failsToStart("init-trap");
        assertThat(e.getMessage()).contains("init-trap.wasm@", "initialisation failed", "unreachable");
    }

    @Test
    void procExitZeroDuringInitIsSuccessAndNonZeroIsAFailure() {
        host.addGuestAdapter(new ProcExitOnlyAdapter());

        try (WapcInstance instance = start("init-proc-exit")) {
            assertThat(instance.invoke("op", new byte[0])).asString(UTF_8).isEqualTo("alive");
        }
        assertThat(failsToStart("init-proc-exit-failure").getMessage()).contains("exited with code 3 in _start");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void badPointersAreAbiViolationsNotHostCrashes(int rule) {
        host.register(new HostFunctionKey("ok", "ok", "ok"), call -> new byte[16]);
        WapcInstance instance = start("bad-pointers");

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("op", new byte[rule]));

        assertThat(e.kind()).isEqualTo(Kind.ABI_VIOLATION);
        assertThat(e.detail()).contains("is outside the guest's 65536 bytes of memory");
        assertThat(instance.isClosed()).isTrue();
        try (WapcInstance fresh = start("bad-pointers")) {
            assertThat(fresh.invoke("op", new byte[7])).asString(UTF_8).isEqualTo("ok");
        }
    }

    @Test
    void badPointerMessagesNameTheImport() {
        WapcInstance instance = start("bad-pointers");
        assertThatThrownBy(() -> instance.invoke("op", new byte[1])).hasMessageContaining("__guest_response: range [65530, 65630)");
        WapcInstance second = start("bad-pointers");
        assertThatThrownBy(() -> second.invoke("op", new byte[3])).hasMessageContaining("__host_call namespace");
        WapcInstance third = start("bad-pointers");
        assertThatThrownBy(() -> third.invoke("op", new byte[5])).hasMessageContaining("__console_log: range [4294967288,");
    }

    @Test
    void memoryGrowIsRefusedPastThePerInstanceCap() {
        try (WapcInstance instance = host.instantiate(Guests.wat("memory-grow"),
                InstanceOptions.labelled("grow").withMaxMemoryPages(10))) {
            assertThat(littleEndianInt(instance.invoke("grow", new byte[4]))).as("old size in pages").isEqualTo(1);
            assertThat(instance.memoryPages()).isEqualTo(5);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[6]))).as("refused").isEqualTo(-1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[5]))).isEqualTo(5);
            assertThat(instance.memoryPages()).isEqualTo(10);
        }
    }

    @Test
    void hostDefaultMemoryCapAppliesWhenTheInstanceSetsNone() {
        ChicoryWapcHost small = new ChicoryWapcHost(new WapcSettings(3));
        try (WapcInstance instance = small.instantiate(Guests.wat("memory-grow"), InstanceOptions.labelled("grow"))) {
            assertThat(littleEndianInt(instance.invoke("grow", new byte[3]))).isEqualTo(-1);
            assertThat(littleEndianInt(instance.invoke("grow", new byte[2]))).isEqualTo(1);
        }
    }

    @Test
    void endlessRecursionIsATrapAndTheHostCarriesOn() {
        WapcInstance instance = start("deep-recursion");

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("down", new byte[0]));

        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.detail()).contains("call stack exhausted");
        try (WapcInstance other = start("init-order")) {
            assertThat(other.invoke("x", new byte[0])).asString(UTF_8).isEqualTo("SIW");
        }
    }

    @Test
    void guestErrorWithReturnValueOneStillFailsTheCall() {
        try (WapcInstance instance = start("guest-error-and-ok")) {
            assertThatThrownBy(() -> instance.invoke("op", new byte[0]))
                    .isInstanceOfSatisfying(GuestCallException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
                        assertThat(e.detail()).isEqualTo("half failed");
                    });
            assertThatThrownBy(() -> instance.invoke("op", new byte[1]))
                    .isInstanceOfSatisfying(GuestCallException.class,
                            e -> assertThat(e.detail()).isEqualTo("__guest_call returned 0 without an error message"));
        }
    }

    @Test
    void assemblyScriptModuleNeedsItsAdapter() {
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                () -> host.instantiate(Guests.compiled(Guests.ASSEMBLYSCRIPT), InstanceOptions.labelled("as")));
        assertThat(e.getMessage()).contains("env.abort (i32, i32, i32, i32) -> ()",
                "no guest adapter recognises it (guest language: assemblyscript; no guest adapters are installed)");

        AssemblyScriptAdapter adapter = new AssemblyScriptAdapter();
        host.addGuestAdapter(adapter);
        assertThat(host.guestAdapters()).containsExactly("assemblyscript");
        try (WapcInstance instance = host.instantiate(Guests.compiled(Guests.ASSEMBLYSCRIPT), InstanceOptions.labelled("as"))) {
            assertThat(instance.invoke("echo", new byte[] {4})).isEqualTo(new byte[] {4});
        }
        host.removeGuestAdapter(adapter);
        assertThat(host.guestAdapters()).isEmpty();
        assertThatThrownBy(() -> host.instantiate(Guests.compiled(Guests.ASSEMBLYSCRIPT), InstanceOptions.labelled("as")))
                .isInstanceOf(ModuleInstantiationException.class);
    }

    @Test
    void aBrokenAdapterDoesNotStopOtherModules() {
        host.addGuestAdapter(new GuestAdapter() {
            @Override
            public String language() {
                return "broken";
            }

            @Override
            public int recognise(ModuleDescriptor module) {
                throw new IllegalStateException("I am broken");
            }

            @Override
            public GuestBinding bind(GuestContext context) {
                throw new AssertionError("never bound");
            }
        });
        try (WapcInstance instance = start("init-order")) {
            assertThat(instance.invoke("x", new byte[0])).asString(UTF_8).isEqualTo("SIW");
        }
    }

    @Test
    void hostFunctionServicePropertiesMakeTheKey() {
        assertThat(ChicoryWapcHost.keyOf(Map.of(dev.kelpie.api.host.HostFunction.NAMESPACE, "state")))
                .isEqualTo(new HostFunctionKey("kelpie", "state", "*"));
        assertThat(ChicoryWapcHost.keyOf(Map.of(
                        dev.kelpie.api.host.HostFunction.BINDING, "b",
                        dev.kelpie.api.host.HostFunction.NAMESPACE, "n",
                        dev.kelpie.api.host.HostFunction.OPERATION, "o")))
                .isEqualTo(new HostFunctionKey("b", "n", "o"));
        assertThatThrownBy(() -> ChicoryWapcHost.keyOf(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dev.kelpie.api.host.HostFunction.NAMESPACE);
    }

    @Test
    void hostFunctionsComeAndGo() {
        dev.kelpie.api.host.HostFunction first = call -> new byte[] {1};
        dev.kelpie.api.host.HostFunction second = call -> new byte[] {2};
        Map<String, Object> props = Map.of(dev.kelpie.api.host.HostFunction.NAMESPACE, "n",
                dev.kelpie.api.host.HostFunction.OPERATION, "o");
        host.addHostFunction(first, props);
        host.addHostFunction(second, props);
        assertThat(host.hostFunctions()).containsExactly(new HostFunctionKey("kelpie", "n", "o"));
        host.removeHostFunction(first, props);
        assertThat(host.hostFunctions()).hasSize(1);
        host.removeHostFunction(second, props);
        assertThat(host.hostFunctions()).isEmpty();
    }

    @Test
    void aHostFunctionServiceWhosePropertiesChangeMovesToItsNewKey() {
        dev.kelpie.api.host.HostFunction function = call -> "moved".getBytes(UTF_8);
        Map<String, Object> before = Map.of("service.id", 42L, dev.kelpie.api.host.HostFunction.NAMESPACE, "old");
        Map<String, Object> after = Map.of("service.id", 42L, dev.kelpie.api.host.HostFunction.NAMESPACE, "new");
        host.addHostFunction(function, before);
        assertThat(host.hostFunctions()).containsExactly(new HostFunctionKey("kelpie", "old", "*"));

        host.updatedHostFunction(function, after);
        assertThat(host.hostFunctions()).containsExactly(new HostFunctionKey("kelpie", "new", "*"));

        host.removeHostFunction(function, after);
        assertThat(host.hostFunctions()).as("nothing left to hold the service's class loader").isEmpty();
    }

    @Test
    void aHostFunctionServiceThatLosesItsNamespaceLeaves() {
        dev.kelpie.api.host.HostFunction function = call -> new byte[0];
        host.addHostFunction(function, Map.of("service.id", 7L, dev.kelpie.api.host.HostFunction.NAMESPACE, "n"));
        assertThatThrownBy(() -> host.updatedHostFunction(function, Map.of("service.id", 7L)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(host.hostFunctions()).isEmpty();
        host.removeHostFunction(function, Map.of("service.id", 7L));
        assertThat(host.hostFunctions()).isEmpty();
    }

    @Test
    void oneFunctionObjectMayBeRegisteredAsSeveralServices() {
        dev.kelpie.api.host.HostFunction function = call -> new byte[0];
        host.addHostFunction(function, Map.of("service.id", 1L, dev.kelpie.api.host.HostFunction.NAMESPACE, "a"));
        host.addHostFunction(function, Map.of("service.id", 2L, dev.kelpie.api.host.HostFunction.NAMESPACE, "b"));
        assertThat(host.hostFunctions()).hasSize(2);
        host.removeHostFunction(function, Map.of("service.id", 1L, dev.kelpie.api.host.HostFunction.NAMESPACE, "a"));
        assertThat(host.hostFunctions()).containsExactly(new HostFunctionKey("kelpie", "b", "*"));
    }

    @Test
    void instantiateRejectsMissingArguments() {
        assertThatThrownBy(() -> host.instantiate(null, InstanceOptions.labelled("x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> host.instantiate(Guests.wat("init-order"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InstanceOptions.labelled(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InstanceOptions.labelled("x").withMaxMemoryPages(-2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static int littleEndianInt(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    /** Supplies WASI proc_exit the way Chicory's WASI does: by throwing WasiExitException. */
    private static final class ProcExitOnlyAdapter implements GuestAdapter {
        @Override
        public String language() {
            return "proc-exit-test";
        }

        @Override
        public int recognise(ModuleDescriptor module) {
            return module.imports().stream().anyMatch(i -> i.name().equals("proc_exit")) ? 1 : 0;
        }

        @Override
        public GuestBinding bind(GuestContext context) {
            List<ImportFunction> imports = List.of(new HostFunction("wasi_snapshot_preview1", "proc_exit",
                    FunctionType.of(List.of(ValType.I32), List.of()), (instance, args) -> {
                        throw new WasiExitException((int) args[0]);
                    }));
            return () -> imports;
        }
    }
}
