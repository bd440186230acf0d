package dev.kelpie.guest.assemblyscript;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Supplies what AssemblyScript's standard library imports from {@code env}: {@code abort} (a trap that
 * names the message and source position), {@code trace} (a console line) and {@code seed} (random seed
 * for {@code Math.random}).
 *
 * <p>A module that also imports WASI preview 1 (AssemblyScript with {@code import "wasi"}, as-wasi, or
 * WASI functions beside {@code env.abort}) gets them from the WASI guest adapter (the
 * {@code kelpie.guest.language=wasi} service), bound to the same instance: the waPC host binds one adapter
 * per module, and this one answers more than the WASI adapter. The composition goes through the
 * {@link GuestAdapter} API, so this bundle does not depend on the WASI bundle; without a WASI adapter
 * such a module fails to link, naming the WASI imports it lacks.
 */
@Component(service = GuestAdapter.class, property = GuestAdapter.LANGUAGE + "=" + AssemblyScriptAdapter.LANGUAGE)
public final class AssemblyScriptAdapter implements GuestAdapter {
    public static final String LANGUAGE = "assemblyscript";
    private static final FunctionType ABORT = FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), List.of());
    private static final FunctionType TRACE = FunctionType.of(
            List.of(ValType.I32, ValType.I32, ValType.F64, ValType.F64, ValType.F64, ValType.F64, ValType.F64), List.of());
    private static final FunctionType SEED = FunctionType.of(List.of(), List.of(ValType.F64));
    private static final SecureRandom RANDOM = new SecureRandom();
    /** AssemblyScript strings longer than this are cut in messages. */
    private static final int MAX_MESSAGE_CHARS = 4096;
    /** WASI preview 1's module names (as {@code dev.kelpie.guest.wasi.spi.WasiImports#MODULES}). */
    static final Set<String> WASI_MODULES = Set.of("wasi_snapshot_preview1", "wasi_unstable");

    @Reference(target = "(" + GuestAdapter.LANGUAGE + "=wasi)", cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile GuestAdapter wasi;

    /** For Declarative Services, which sets the WASI adapter. */
    public AssemblyScriptAdapter() {}

    /** Plain Java: an adapter that takes WASI, for modules that import it, from {@code wasi}. */
    public AssemblyScriptAdapter(GuestAdapter wasi) {
        this.wasi = wasi;
    }

    @Override
    public String language() {
        return LANGUAGE;
    }

    /** {@code env.abort}, {@code env.trace} and {@code env.seed}. */
    @Override
    public java.util.List<String> supplies() {
        return java.util.List.of("env.abort", "env.trace", "env.seed");
    }

    @Override
    public int recognise(ModuleDescriptor module) {
        if (LANGUAGE.equals(module.guestLanguage())) {
            return 100;
        }
        boolean importsAbort = module.imports().stream()
                .anyMatch(i -> i.module().equals("env") && i.name().equals("abort"));
        return importsAbort ? 10 : 0;
    }

    @Override
    public GuestBinding bind(GuestContext context) {
        List<ImportFunction> own = envImports(context);
        GuestAdapter wasiAdapter = wasi;
        boolean importsWasi = context.module().imports().stream().anyMatch(i -> WASI_MODULES.contains(i.module()));
        if (!importsWasi || wasiAdapter == null) {
            return () -> own;
        }
        GuestBinding wasiBinding = wasiAdapter.bind(context);
        List<ImportFunction> all = new ArrayList<>(own);
        all.addAll(wasiBinding.imports());
        List<ImportFunction> imports = List.copyOf(all);
        return new GuestBinding() {
            @Override
            public List<ImportFunction> imports() {
                return imports;
            }

            @Override
            public void close() {
                wasiBinding.close();
            }
        };
    }

    private static List<ImportFunction> envImports(GuestContext context) {
        return List.of(
                new HostFunction("env", "abort", ABORT, (instance, args) -> {
                    Memory memory = instance.memory();
                    String message = readString(memory, args[0]);
                    String file = readString(memory, args[1]);
                    String where = file.isEmpty() ? "" : " at " + file + ":" + args[2] + ":" + args[3];
                    context.log("abort: " + message + where);
                    throw new TrapException("AssemblyScript abort: " + (message.isEmpty() ? "(no message)" : message) + where);
                }),
                new HostFunction("env", "trace", TRACE, (instance, args) -> {
                    StringBuilder line = new StringBuilder("trace: ").append(readString(instance.memory(), args[0]));
                    int n = (int) Math.max(0, Math.min(5, args[1]));
                    for (int i = 0; i < n; i++) {
                        line.append(i == 0 ? " " : ", ").append(Double.longBitsToDouble(args[2 + i]));
                    }
                    context.log(line.toString());
                    return null;
                }),
                new HostFunction("env", "seed", SEED,
                        (instance, args) -> new long[] {Double.doubleToRawLongBits(RANDOM.nextLong() * 1.0)}));
    }

    /**
     * Reads an AssemblyScript string: UTF-16LE code units with their byte length stored in the 4 bytes
     * before the pointer. A null or out-of-bounds pointer gives an empty or marked string, never a crash.
     */
    static String readString(Memory memory, long ptrArg) {
        long ptr = ptrArg & 0xFFFF_FFFFL;
        long size = (long) memory.pages() * Memory.PAGE_SIZE;
        if (ptr == 0) {
            return "";
        }
        if (ptr < 4 || ptr > size) {
            return "<bad string pointer " + ptr + ">";
        }
        long byteLength = memory.readInt((int) ptr - 4) & 0xFFFF_FFFFL;
        long available = size - ptr;
        long length = Math.min(Math.min(byteLength, available), MAX_MESSAGE_CHARS * 2L) & ~1L;
        byte[] bytes = memory.readBytes((int) ptr, (int) length);
        return new String(bytes, StandardCharsets.UTF_16LE);
    }
}
