package dev.kelpie.benchmarks;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The baseline: the least a waPC host on Chicory has to do. Nine bare {@code wapc} host functions doing
 * only the protocol (no bounds checks, no locking, no state clearing, no error mapping), {@code wapc_init},
 * then {@code __guest_call(opLen, payloadLen)} per call. Not thread-safe, not for production: it exists so
 * that Kelpie's host can be measured against it in the same run.
 */
public final class RawWapcHost {
    private static final FunctionType VOID_2 = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of());
    private static final FunctionType VOID_1 = FunctionType.of(List.of(ValType.I32), List.of());
    private static final FunctionType I32_0 = FunctionType.of(List.of(), List.of(ValType.I32));
    private static final FunctionType VOID_4 =
            FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());
    private static final FunctionType HOST_CALL = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
            List.of(ValType.I32));
    private static final long[] ZERO = {0};

    private final Instance instance;
    private final ExportFunction guestCall;

    // protocol state of the call in flight
    private byte[] operation;
    private byte[] payload;
    private byte[] response;
    private byte[] error;

    /**
     * Builds an instance exactly the way the brief's baseline does: same parsed module, same (already
     * compiled) machine factory as Kelpie's, {@link ByteArrayMemory}; {@code memoryLimits} null keeps the
     * module's own limits (Chicory's default), otherwise they are passed as Kelpie passes its cap.
     */
    public RawWapcHost(WasmModule module, Function<Instance, Machine> machineFactory, MemoryLimits memoryLimits,
            boolean init) {
        this(module, machineFactory, memoryLimits, init, ByteArrayMemory::new);
    }

    /** The same with another memory (to compare memories with everything else equal). */
    public RawWapcHost(WasmModule module, Function<Instance, Machine> machineFactory, MemoryLimits memoryLimits,
            boolean init, Function<MemoryLimits, com.dylibso.chicory.runtime.Memory> memoryFactory) {
        Instance.Builder builder = Instance.builder(module)
                .withImportValues(ImportValues.builder().withFunctions(imports(module)).build())
                .withMachineFactory(machineFactory)
                .withMemoryFactory(memoryFactory);
        if (memoryLimits != null) {
            builder.withMemoryLimits(memoryLimits);
        }
        this.instance = builder.build();
        this.guestCall = instance.export("__guest_call");
        if (init) {
            // the waPC init convention, as Kelpie runs it (the Rust testbed exports only wapc_init; the
            // AssemblyScript one registers its handlers in its start section, which build() already ran)
            for (String name : List.of("_start", "_initialize", "wapc_init")) {
                if (exportsFunction(module, name)) {
                    instance.export(name).apply();
                }
            }
        }
    }

    public Instance instance() {
        return instance;
    }

    /** One waPC call: the payload in, the response out (or an exception with the guest's error). */
    public byte[] call(byte[] op, byte[] payloadBytes) {
        operation = op;
        payload = payloadBytes;
        response = null;
        error = null;
        long rc = guestCall.apply(op.length, payloadBytes.length)[0];
        if (rc != 1) {
            throw new IllegalStateException("guest error: "
                    + (error == null ? "rc=" + rc : new String(error, StandardCharsets.UTF_8)));
        }
        return response;
    }

    private static boolean exportsFunction(WasmModule module, String name) {
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            if (exports.getExport(i).name().equals(name)
                    && exports.getExport(i).exportType() == com.dylibso.chicory.wasm.types.ExternalType.FUNCTION) {
                return true;
            }
        }
        return false;
    }

    private List<ImportFunction> imports(WasmModule module) {
        List<ImportFunction> f = new ArrayList<>(List.of(
                new HostFunction("wapc", "__guest_request", VOID_2, (inst, args) -> {
                    inst.memory().write((int) args[0], operation);
                    inst.memory().write((int) args[1], payload);
                    return null;
                }),
                new HostFunction("wapc", "__guest_response", VOID_2, (inst, args) -> {
                    response = inst.memory().readBytes((int) args[0], (int) args[1]);
                    return null;
                }),
                new HostFunction("wapc", "__guest_error", VOID_2, (inst, args) -> {
                    error = inst.memory().readBytes((int) args[0], (int) args[1]);
                    return null;
                }),
                // no host functions in the baseline: every host call fails with an empty error
                new HostFunction("wapc", "__host_call", HOST_CALL, (inst, args) -> ZERO.clone()),
                new HostFunction("wapc", "__host_response_len", I32_0, (inst, args) -> ZERO.clone()),
                new HostFunction("wapc", "__host_response", VOID_1, (inst, args) -> null),
                new HostFunction("wapc", "__host_error_len", I32_0, (inst, args) -> ZERO.clone()),
                new HostFunction("wapc", "__host_error", VOID_1, (inst, args) -> null),
                new HostFunction("wapc", "__console_log", VOID_2, (inst, args) -> null)));
        // only the AssemblyScript guest imports env.abort(msg, file, line, col); link it only when imported
        for (int i = 0; i < module.importSection().importCount(); i++) {
            var imp = module.importSection().getImport(i);
            if (imp.module().equals("env") && imp.name().equals("abort")) {
                f.add(new HostFunction("env", "abort", VOID_4, (inst, args) -> {
                    throw new IllegalStateException("guest aborted");
                }));
            }
        }
        return f;
    }
}
