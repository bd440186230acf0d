package dev.kelpie.guest.micropython;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.kelpie.api.wasm.GuestEntry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * Drives one MicroPython instance as a waPC guest, on the caller's thread: {@link #start} boots the
 * interpreter (Emscripten's stack and constructors, {@code mp_js_init}, {@code proxy_c_init}) and runs the
 * prelude (the {@code kelpie} module, prelude.py), or copies in an {@link InterpreterImage} of that state,
 * then runs the actor's source; {@link #call} calls the
 * prelude's {@code _kelpie_dispatch} through MicroPython's {@code proxy_c_to_js_call}, which fetches the
 * call with {@code __guest_request} and answers with {@code __guest_response}, or returns the error text
 * (with its Python traceback), which goes to {@code __guest_error}.
 */
final class PythonActor implements GuestEntry {
    /** Where the prelude's exceptions are reported from. */
    static final String PRELUDE_NAME = "<kelpie prelude>";

    private final PythonSource source;
    private final MicroPythonSettings settings;
    private final ImportFunction guestError;
    private final Images images;

    private Instance instance;
    private ExportFunction malloc;
    private ExportFunction free;
    private ExportFunction callPython;
    /** The 12-byte out value and the two 12-byte argument values of every call, malloc'ed at start. */
    private int out;
    private int args;
    private int dispatch;

    /** Where an activation finds the interpreter image to start from, and offers the one it made. */
    interface Images {
        /** The image to restore, or null to start the interpreter (and offer an image of it). */
        InterpreterImage image();

        void offer(InterpreterImage image);

        /** Always start the interpreter; keep no image. */
        Images NONE = new Images() {
            @Override
            public InterpreterImage image() {
                return null;
            }

            @Override
            public void offer(InterpreterImage image) {}
        };
    }

    PythonActor(PythonSource source, MicroPythonSettings settings, ImportFunction guestError, Images images) {
        this.source = source;
        this.settings = settings;
        this.guestError = guestError;
        this.images = images;
    }

    @Override
    public void start(Instance inst) {
        this.instance = inst;
        malloc = inst.export("malloc");
        free = inst.export("free");
        callPython = inst.export("proxy_c_to_js_call");
        InterpreterImage image = images.image();
        int load;
        if (image != null && image.restore(inst)) {
            out = image.out;
            args = image.args;
            load = image.load;
            dispatch = image.dispatch;
        } else {
            inst.export("emscripten_stack_init").apply();
            inst.export("__wasm_call_ctors").apply();
            inst.export("mp_js_init").apply(settings.pystackWords(), settings.heapBytes());
            inst.export("proxy_c_init").apply();
            out = allocate(12);
            args = allocate(24);
            exec(PythonSource.prelude());
            int main = importMain();
            load = lookup(main, "_kelpie_load");
            dispatch = lookup(main, "_kelpie_dispatch");
            if (image == null) {
                images.offer(InterpreterImage.take(inst, out, args, load, dispatch));
            }
        }
        byte[] code = source.code();
        byte[] name = source.name().getBytes(StandardCharsets.UTF_8);
        int codePtr = allocate(code.length);
        int namePtr = allocate(name.length);
        Memory memory = inst.memory();
        memory.write(codePtr, code);
        memory.write(namePtr, name);
        try {
            String error = callForText(load, codePtr, code.length, namePtr, name.length);
            if (error != null) {
                throw new IllegalStateException("the Python source " + source.name() + " failed to load:\n" + error);
            }
        } finally {
            free.apply(codePtr);
            free.apply(namePtr);
        }
    }

    @Override
    public int call(int operationLength, int payloadLength) {
        Memory memory = instance.memory();
        writeInt(memory, args, operationLength);
        writeInt(memory, args + 12, payloadLength);
        callPython.apply(dispatch, 2, args, out);
        int kind = memory.readInt(out);
        if (kind == JsBridge.MP_INT && memory.readInt(out + 4) == 1) {
            return 1;
        }
        if (kind == JsBridge.MP_STR) {
            // the error text lies in Python's heap until the next allocation: hand it to __guest_error now
            guestError.handle().apply(instance, memory.readInt(out + 8) & 0xFFFF_FFFFL, memory.readInt(out + 4) & 0xFFFF_FFFFL);
            return 0;
        }
        throw new ChicoryException("the Python dispatcher failed: " + describe(memory, kind));
    }

    @Override
    public <T> T onCallerThread(Callable<T> work) throws Exception {
        return work.call(); // every call runs on the caller's thread already
    }

    // ---- the JS side of MicroPython's proxy protocol, as far as Kelpie needs it ----

    private int allocate(int bytes) {
        int ptr = (int) malloc.apply(Math.max(1, bytes))[0];
        if (ptr == 0) {
            throw new ChicoryException("MicroPython's malloc could not allocate " + bytes
                    + " bytes (the instance's memory limit)");
        }
        return ptr;
    }

    private void exec(byte[] code) {
        int ptr = allocate(code.length + 1);
        Memory memory = instance.memory();
        memory.write(ptr, code);
        memory.writeByte(ptr + code.length, (byte) 0);
        try {
            instance.export("mp_js_do_exec").apply(ptr, code.length, out);
        } finally {
            free.apply(ptr);
        }
        int kind = memory.readInt(out);
        if (kind == JsBridge.MP_EXCEPTION) {
            throw new IllegalStateException("the Kelpie Python prelude failed: " + describe(memory, kind));
        }
    }

    private int importMain() {
        byte[] name = "__main__\0".getBytes(StandardCharsets.US_ASCII);
        int ptr = allocate(name.length);
        instance.memory().write(ptr, name);
        try {
            instance.export("mp_js_do_import").apply(ptr, out);
        } finally {
            free.apply(ptr);
        }
        return reference("__main__");
    }

    private int lookup(int objectRef, String attribute) {
        byte[] name = (attribute + "\0").getBytes(StandardCharsets.US_ASCII);
        int ptr = allocate(name.length);
        instance.memory().write(ptr, name);
        try {
            instance.export("proxy_c_to_js_lookup_attr").apply(objectRef, ptr, out);
        } finally {
            free.apply(ptr);
        }
        return reference(attribute);
    }

    /** The C-side reference of the Python object {@code out} holds. */
    private int reference(String what) {
        Memory memory = instance.memory();
        int kind = memory.readInt(out);
        if (kind < 6 || kind == 9 || kind == 10) { // not a callable, generator or other object reference
            throw new IllegalStateException("the Kelpie Python prelude has no " + what + ": " + describe(memory, kind));
        }
        return memory.readInt(out + 4);
    }

    /** Calls a Python function with int arguments; null when it returned None, else the str it returned. */
    private String callForText(int function, long... ints) {
        Memory memory = instance.memory();
        int argv = allocate(12 * ints.length);
        try {
            for (int i = 0; i < ints.length; i++) {
                writeInt(memory, argv + 12 * i, (int) ints[i]);
            }
            callPython.apply(function, ints.length, argv, out);
        } finally {
            free.apply(argv);
        }
        int kind = memory.readInt(out);
        if (kind == JsBridge.MP_NONE) {
            return null;
        }
        if (kind == JsBridge.MP_STR) {
            return memory.readString(memory.readInt(out + 8), memory.readInt(out + 4), StandardCharsets.UTF_8);
        }
        return describe(memory, kind);
    }

    /** A JS-side integer value (what Python receives as an int argument). */
    private static void writeInt(Memory memory, int at, int value) {
        memory.writeI32(at, JsBridge.JS_INTEGER);
        memory.writeI32(at + 4, value);
        memory.writeI32(at + 8, 0);
    }

    /** What a returned value is, for messages; an exception's text is read out and freed. */
    private String describe(Memory memory, int kind) {
        if (kind != JsBridge.MP_EXCEPTION) {
            return "an unexpected value of kind " + kind;
        }
        int length = memory.readInt(out + 4);
        int ptr = memory.readInt(out + 8);
        String text = memory.readString(ptr, length, StandardCharsets.UTF_8);
        free.apply(ptr);
        int split = text.indexOf('\u0004');
        return split < 0 ? text : text.substring(0, split) + ": " + text.substring(split + 1);
    }
}
