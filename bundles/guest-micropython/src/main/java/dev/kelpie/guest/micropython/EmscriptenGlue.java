package dev.kelpie.guest.micropython;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.AnnotatedInstruction;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Emscripten runtime MicroPython's build imports from {@code env}, written in Java for one instance:
 * the {@code invoke_*} trampolines that give setjmp/longjmp their meaning, heap growth within the instance's
 * memory limit, the clock and random numbers, and the file-system syscalls, which fail with a clear errno
 * (there is no file system). The JS-proxy hooks are {@link JsBridge}'s; WASI {@code fd_*} comes from
 * guest-wasi.
 */
final class EmscriptenGlue {
    /** Emscripten's errno values (WASI's numbering). */
    static final int EBADF = 8;
    static final int ENOENT = 44;
    static final int ENOSYS = 52;
    static final int EROFS = 69;

    private final String moduleLabel;
    private final long startNanos = System.nanoTime();
    // the instance's exports the trampolines need, looked up once
    private Instance bound;
    private ExportFunction stackSave;
    private GlobalInstance stackPointer;
    private ExportFunction stackRestore;
    private ExportFunction setThrew;

    EmscriptenGlue(String moduleLabel) {
        this.moduleLabel = moduleLabel;
    }

    /** What {@code _emscripten_throw_longjmp} throws; the nearest {@code invoke_*} catches it. */
    static final class Longjmp extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Longjmp() {
            super("longjmp outside any setjmp (an invoke_* trampoline)", null, false, false);
        }
    }

    /** The {@code env} functions of the module's imports this class supplies (the JS hooks are not among them). */
    List<ImportFunction> imports(ModuleDescriptor module) {
        List<ImportFunction> out = new ArrayList<>();
        for (ModuleImport i : module.imports()) {
            if (!i.module().equals("env")) {
                continue;
            }
            String name = i.name();
            if (name.startsWith("invoke_")) {
                out.add(invoke(name));
            } else if (name.startsWith("__syscall_")) {
                out.add(syscall(name, i.type()));
            }
        }
        out.add(new HostFunction("env", "_emscripten_throw_longjmp", type(List.of(), List.of()), (inst, args) -> {
            throw new Longjmp();
        }));
        out.add(new HostFunction("env", "emscripten_resize_heap", type(List.of(ValType.I32), List.of(ValType.I32)),
                (inst, args) -> new long[] {resizeHeap(inst.memory(), args[0] & 0xFFFF_FFFFL) ? 1 : 0}));
        out.add(new HostFunction("env", "_abort_js", type(List.of(), List.of()), (inst, args) -> {
            throw new ChicoryException("MicroPython aborted (module " + moduleLabel + ")");
        }));
        out.add(new HostFunction("env", "mp_js_random_u32", type(List.of(), List.of(ValType.I32)),
                (inst, args) -> new long[] {ThreadLocalRandom.current().nextInt()}));
        out.add(new HostFunction("env", "mp_js_ticks_ms", type(List.of(), List.of(ValType.I32)),
                (inst, args) -> new long[] {(System.nanoTime() - startNanos) / 1_000_000L}));
        out.add(new HostFunction("env", "mp_js_time_ms", type(List.of(), List.of(ValType.F64)),
                (inst, args) -> new long[] {Double.doubleToRawLongBits((double) System.currentTimeMillis())}));
        return out;
    }

    /**
     * {@code invoke_<r><params>(index, params...)}: calls table entry {@code index}; a longjmp out of it
     * restores the stack pointer, records the throw with {@code setThrew(1, 0)} and returns 0 (what the
     * emitted setjmp code then inspects). Anything else (a trap, an interrupt) passes through.
     */
    private HostFunction invoke(String name) {
        String sig = name.substring("invoke_".length());
        if (sig.isEmpty()) {
            throw new IllegalArgumentException("malformed Emscripten import env." + name);
        }
        List<ValType> params = new ArrayList<>();
        params.add(ValType.I32);
        for (int i = 1; i < sig.length(); i++) {
            params.add(valType(name, sig.charAt(i)));
        }
        List<ValType> results = sig.charAt(0) == 'v' ? List.of() : List.of(valType(name, sig.charAt(0)));
        long[] failed = results.isEmpty() ? null : new long[] {0};
        return new HostFunction("env", name, type(params, results), (inst, args) -> {
            bind(inst);
            long sp = stackPointer != null ? stackPointer.getValue() : stackSave.apply()[0];
            int function = inst.table(0).requiredRef((int) args[0]);
            try {
                return inst.getMachine().call(function, Arrays.copyOfRange(args, 1, args.length));
            } catch (Longjmp e) {
                stackRestore.apply(sp);
                setThrew.apply(1, 0);
                return failed == null ? null : failed.clone();
            }
        });
    }

    private static ValType valType(String name, char c) {
        switch (c) {
            case 'i':
                return ValType.I32;
            case 'j':
                return ValType.I64;
            case 'f':
                return ValType.F32;
            case 'd':
                return ValType.F64;
            default:
                throw new IllegalArgumentException("Emscripten import env." + name + ": unknown type letter '" + c + "'");
        }
    }

    private void bind(Instance inst) {
        if (bound != inst) {
            stackSave = inst.export("emscripten_stack_get_current");
            int index = stackPointerIndex(inst.module());
            stackPointer = index < 0 ? null : inst.global(index);
            stackRestore = inst.export("_emscripten_stack_restore");
            setThrew = inst.export("setThrew");
            bound = inst;
        }
    }

    /**
     * The index of the global {@code emscripten_stack_get_current} returns, when its body is just
     * {@code global.get N} (Emscripten's {@code __stack_pointer}), else -1. Every {@code invoke_*} saves the
     * stack pointer: read from the global, that is a field read instead of a call into the guest, and a Python
     * call makes hundreds of invokes (MicroPython's VM sets a jump buffer, so its calls all go through them).
     */
    static int stackPointerIndex(WasmModule module) {
        int imported = module.importSection().count(ExternalType.FUNCTION);
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export export = module.exportSection().getExport(i);
            if (export.exportType() != ExternalType.FUNCTION || !export.name().equals("emscripten_stack_get_current")
                    || export.index() < imported) {
                continue;
            }
            List<AnnotatedInstruction> body = module.codeSection().getFunctionBody(export.index() - imported).instructions();
            if (body.size() == 2 && body.get(0).opcode() == OpCode.GLOBAL_GET && body.get(1).opcode() == OpCode.END) {
                return (int) body.get(0).operand(0);
            }
        }
        return -1;
    }

    /**
     * Grows memory 0 to hold at least {@code requested} bytes, by a fifth more when that fits (as
     * Emscripten does, so that a growing heap does not grow a page at a time), never past the instance's
     * maximum. False when the memory cannot grow that far: malloc then fails and Python raises MemoryError.
     */
    static boolean resizeHeap(Memory memory, long requested) {
        long current = (long) memory.pages() * Memory.PAGE_SIZE;
        if (requested <= current) {
            return true;
        }
        int neededPages = (int) ((requested + Memory.PAGE_SIZE - 1) / Memory.PAGE_SIZE);
        int max = memory.maximumPages();
        if (neededPages > max) {
            return false;
        }
        int generous = (int) Math.min(max, neededPages + neededPages / 5L);
        if (generous > neededPages && memory.grow(generous - memory.pages()) >= 0) {
            return true;
        }
        return memory.grow(neededPages - memory.pages()) >= 0;
    }

    /**
     * A file-system syscall: there is no file system, so each fails with the errno a program expects of
     * an empty, read-only one ({@code getcwd} answers "/", {@code poll} finds nothing ready).
     */
    private static HostFunction syscall(String name, String typeText) {
        int params = typeText.startsWith("()") ? 0 : typeText.substring(0, typeText.indexOf(')')).split(",").length;
        List<ValType> paramTypes = new ArrayList<>();
        for (int i = 0; i < params; i++) {
            paramTypes.add(ValType.I32);
        }
        FunctionType type = type(paramTypes, List.of(ValType.I32));
        switch (name) {
            case "__syscall_getcwd":
                return new HostFunction("env", name, type, (inst, args) -> {
                    int size = (int) args[1];
                    if (size < 2) {
                        return new long[] {-68}; // ERANGE
                    }
                    inst.memory().write((int) args[0], "/\0".getBytes(StandardCharsets.US_ASCII));
                    return new long[] {2};
                });
            case "__syscall_poll":
                return new HostFunction("env", name, type, (inst, args) -> new long[] {0});
            case "__syscall_fstat64":
            case "__syscall_getdents64":
                return errno(name, type, EBADF);
            case "__syscall_mkdirat":
            case "__syscall_renameat":
            case "__syscall_rmdir":
            case "__syscall_unlinkat":
                return errno(name, type, EROFS);
            case "__syscall_statfs64":
                return errno(name, type, ENOSYS);
            default: // chdir, openat, stat64, lstat64, newfstatat and any other: no such file
                return errno(name, type, ENOENT);
        }
    }

    private static HostFunction errno(String name, FunctionType type, int errno) {
        long[] result = {-errno};
        return new HostFunction("env", name, type, (inst, args) -> result.clone());
    }

    static FunctionType type(List<ValType> params, List<ValType> results) {
        return FunctionType.of(params, results);
    }
}
