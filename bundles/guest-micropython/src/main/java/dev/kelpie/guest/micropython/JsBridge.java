package dev.kelpie.guest.micropython;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.wasm.GuestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "JavaScript" MicroPython's PyScript build talks to through its JS-proxy imports, reduced to what
 * Kelpie needs: Python's {@code js} module (JavaScript's {@code globalThis}) has one attribute per waPC
 * host function, {@code js.kelpie_host_call}, {@code js.kelpie_guest_request} and so on (see
 * {@link #FUNCTIONS}), each taking and returning plain ints (pointers and lengths into linear memory,
 * which Python takes with {@code uctypes.addressof}). Calling one runs the instance's own {@code wapc}
 * host function with those arguments, so a Python actor speaks exactly the waPC protocol the other SDKs
 * speak (docs/guests/python.md). Every other attribute of {@code js} is missing (Python sees an
 * AttributeError); the JS features behind the other hooks (iterators, promises, subscripts, attribute
 * stores) trap with a message naming the hook.
 */
final class JsBridge {
    /** {@code globalThis}'s reference number in the JS-proxy protocol; 1 is {@code undefined}. */
    static final int GLOBAL_REF = 0;
    /** The reference number of the first function. */
    static final int FIRST_FUNCTION_REF = 2;
    /** Python's name of each function on {@code js} and the waPC import it runs. */
    static final Map<String, String> FUNCTIONS;

    static {
        Map<String, String> f = new LinkedHashMap<>();
        for (String wapc : List.of("__guest_request", "__guest_response", "__guest_error", "__host_call",
                "__host_response_len", "__host_response", "__host_error_len", "__host_error", "__console_log")) {
            f.put("kelpie" + wapc.substring(1), wapc);
        }
        FUNCTIONS = Collections.unmodifiableMap(f);
    }

    // JS-proxy value kinds (MicroPython ports/webassembly/proxy_c.c)
    static final int JS_UNDEFINED = 0;
    static final int JS_INTEGER = 3;
    static final int JS_OBJECT = 7;
    static final int MP_EXCEPTION = -1;
    static final int MP_NONE = 1;
    static final int MP_BOOL = 2;
    static final int MP_INT = 3;
    static final int MP_STR = 5;

    private final String moduleLabel;
    private final List<String> names = new ArrayList<>(FUNCTIONS.keySet());
    private final List<ImportFunction> wapc = new ArrayList<>();

    JsBridge(GuestContext context) {
        this.moduleLabel = context.module().label();
        for (String wapcName : FUNCTIONS.values()) {
            wapc.add(context.wapcFunction(wapcName));
        }
    }

    /** The JS-proxy imports of {@code env}. */
    List<ImportFunction> imports() {
        List<ImportFunction> out = new ArrayList<>();
        out.add(fn("has_attr", List.of(ValType.I32, ValType.I32), true, (inst, a) -> {
            return new long[] {a[0] == GLOBAL_REF && names.contains(cString(inst.memory(), a[1])) ? 1 : 0};
        }));
        out.add(fn("lookup_attr", List.of(ValType.I32, ValType.I32, ValType.I32), true, (inst, a) -> {
            Memory memory = inst.memory();
            int index = a[0] == GLOBAL_REF ? names.indexOf(cString(memory, a[1])) : -1;
            if (index < 0) {
                return new long[] {0}; // Python raises AttributeError
            }
            writeValue(memory, (int) a[2], JS_OBJECT, FIRST_FUNCTION_REF + index);
            return new long[] {1};
        }));
        out.add(fn("call0", List.of(ValType.I32, ValType.I32), false, (inst, a) -> {
            writeValue(inst.memory(), (int) a[1], JS_INTEGER, call(inst, (int) a[0], new long[0]));
            return null;
        }));
        out.add(fn("call1", List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32), true, (inst, a) -> {
            Memory memory = inst.memory();
            long[] args = {intArgument(memory, (int) a[0], (int) a[2], 0)};
            writeValue(memory, (int) a[3], JS_INTEGER, call(inst, (int) a[0], args));
            return new long[] {0};
        }));
        out.add(fn("call2", List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32), true, (inst, a) -> {
            Memory memory = inst.memory();
            long[] args = {intArgument(memory, (int) a[0], (int) a[2], 0), intArgument(memory, (int) a[0], (int) a[3], 1)};
            writeValue(memory, (int) a[4], JS_INTEGER, call(inst, (int) a[0], args));
            return new long[] {0};
        }));
        out.add(fn("calln", List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32), true, (inst, a) -> {
            Memory memory = inst.memory();
            int n = (int) a[2];
            if (n < 0 || n > 8) {
                throw unsupported("a call with " + (a[2] & 0xFFFF_FFFFL) + " arguments");
            }
            long[] args = new long[n];
            for (int i = 0; i < n; i++) {
                args[i] = intArgument(memory, (int) a[0], (int) a[3] + i * 12, i);
            }
            writeValue(memory, (int) a[4], JS_INTEGER, call(inst, (int) a[0], args));
            return new long[] {0};
        }));
        out.add(fn("js_check_existing", List.of(ValType.I32), true, (inst, a) -> new long[] {-1}));
        out.add(fn("proxy_js_free_obj", List.of(ValType.I32), false, (inst, a) -> null));
        out.add(fn("js_get_proxy_js_ref_info", List.of(ValType.I32), false, (inst, a) -> {
            inst.memory().writeI32((int) a[0], FIRST_FUNCTION_REF + names.size());
            inst.memory().writeI32((int) a[0] + 4, 1 + names.size());
            return null;
        }));
        unsupported(out, "proxy_convert_mp_to_js_then_js_to_mp_obj_jsside", 1, false);
        unsupported(out, "proxy_convert_mp_to_js_then_js_to_js_then_js_to_mp_obj_jsside", 1, false);
        unsupported(out, "call0_kwarg", 6, false);
        unsupported(out, "calln_kwarg", 8, false);
        unsupported(out, "store_attr", 3, false);
        unsupported(out, "js_subscr_load", 3, false);
        unsupported(out, "js_subscr_store", 3, false);
        unsupported(out, "js_get_iter", 2, false);
        unsupported(out, "js_reflect_construct", 4, false);
        unsupported(out, "js_iter_next", 2, true);
        unsupported(out, "js_get_error_info", 3, false);
        unsupported(out, "js_then_resolve", 2, false);
        unsupported(out, "js_then_reject", 2, false);
        unsupported(out, "js_then_continue", 5, false);
        unsupported(out, "create_promise", 2, false);
        return out;
    }

    /** Runs the function with reference {@code ref}: the waPC import, whose i32 result (or 0) is the answer. */
    private int call(Instance inst, int ref, long[] args) {
        int index = ref - FIRST_FUNCTION_REF;
        if (index < 0 || index >= wapc.size()) {
            throw unsupported("calling JavaScript object " + ref);
        }
        ImportFunction f = wapc.get(index);
        if (args.length != f.paramTypes().size()) {
            throw new ChicoryException("Python called js." + names.get(index) + " with " + args.length
                    + " arguments, it takes " + f.paramTypes().size() + " (module " + moduleLabel + ")");
        }
        long[] result = f.handle().apply(inst, args);
        return result == null || result.length == 0 ? 0 : (int) result[0];
    }

    /** One argument of a call, converted from Python: an int (or bool); anything else is refused. */
    private long intArgument(Memory memory, int ref, int valuePtr, int position) {
        int kind = memory.readInt(valuePtr);
        if (kind == MP_INT || kind == MP_BOOL) {
            return memory.readInt(valuePtr + 4);
        }
        int index = ref - FIRST_FUNCTION_REF;
        String fn = index >= 0 && index < names.size() ? "js." + names.get(index) : "JavaScript object " + ref;
        throw new ChicoryException("Python passed " + fn + " " + kindName(kind) + " as argument " + (position + 1)
                + "; Kelpie's js functions take ints only (module " + moduleLabel + ")");
    }

    /** What a MicroPython value of a proxy kind is, for messages. */
    static String kindName(int kind) {
        switch (kind) {
            case MP_NONE: return "None";
            case MP_BOOL: return "a bool";
            case MP_INT: return "an int";
            case 4: return "a float";
            case MP_STR: return "a str";
            case 6: return "a callable";
            case 7: return "a generator";
            case 9: return "a JsProxy";
            default: return "an object (proxy kind " + kind + ")";
        }
    }

    private static void writeValue(Memory memory, int out, int kind, int value) {
        memory.writeI32(out, kind);
        memory.writeI32(out + 4, value);
        memory.writeI32(out + 8, 0);
    }

    private ChicoryException unsupported(String what) {
        return new ChicoryException("Python code used " + what + " through the js module, which Kelpie does not"
                + " provide: js offers only " + String.join(", ", names) + " (module " + moduleLabel + ")");
    }

    private void unsupported(List<ImportFunction> out, String name, int params, boolean returnsI32) {
        List<ValType> types = new ArrayList<>();
        for (int i = 0; i < params; i++) {
            types.add(ValType.I32);
        }
        out.add(fn(name, types, returnsI32, (inst, a) -> {
            throw unsupported("the JavaScript feature behind " + name);
        }));
    }

    private static HostFunction fn(String name, List<ValType> params, boolean returnsI32,
            com.dylibso.chicory.runtime.WasmFunctionHandle handle) {
        return new HostFunction("env", name, EmscriptenGlue.type(params, returnsI32 ? List.of(ValType.I32) : List.of()),
                handle);
    }

    /** A NUL-terminated UTF-8 name, at most 256 bytes. */
    static String cString(Memory memory, long ptr) {
        int start = (int) ptr;
        int size = memory.pages() * Memory.PAGE_SIZE;
        int end = start;
        while (end < size && end - start < 256 && memory.read(end) != 0) {
            end++;
        }
        return new String(memory.readBytes(start, end - start), StandardCharsets.UTF_8);
    }
}
