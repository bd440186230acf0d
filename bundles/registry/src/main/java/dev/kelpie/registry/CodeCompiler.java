package dev.kelpie.registry;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/**
 * Compiles a module with Chicory's runtime compiler, or loads the classes it compiled before: Chicory
 * hands its emitted classes (as a jar) to a {@link Cache} and can define them again from those bytes, so
 * a {@link Code} source decides where they come from and go to. Classes that were found but do not load
 * (a verifier error, say) are discarded and the module is compiled.
 */
final class CodeCompiler {

    /** Where one module's compiled classes come from and go to. */
    interface Code {
        /** The classes compiled before, or null. */
        byte[] find();

        /** Keeps freshly compiled classes. */
        void keep(byte[] classes);

        /** The classes {@link #find} gave would not load. */
        void discard(String why);
    }

    /** Nowhere: always compiles. */
    static final Code NONE = new Code() {
        @Override
        public byte[] find() {
            return null;
        }

        @Override
        public void keep(byte[] classes) {
        }

        @Override
        public void discard(String why) {
        }
    };

    private CodeCompiler() {}

    /** The module's machine factory: from {@code code} when it has the classes, else compiled (and kept). */
    static Function<Instance, Machine> compile(WasmModule module, Code code) {
        Adapter adapter = new Adapter(code, true);
        try {
            return compile(module, adapter);
        } catch (RuntimeException | LinkageError e) {
            if (!adapter.hit) {
                throw e;
            }
            code.discard("its classes do not load: " + e);
            return compile(module, new Adapter(code, false));
        }
    }

    private static Function<Instance, Machine> compile(WasmModule module, Cache cache) {
        return MachineFactoryCompiler.builder(module)
                .withInterpreterFallback(InterpreterFallback.SILENT) // CompilerIdentity.OPTIONS
                .withCache(cache)
                .compile();
    }

    /** Chicory's cache interface over one module's {@link Code}; Chicory's own key (its digest) is not used. */
    private static final class Adapter implements Cache {
        private final Code code;
        private final boolean lookUp;
        boolean hit;

        Adapter(Code code, boolean lookUp) {
            this.code = code;
            this.lookUp = lookUp;
        }

        @Override
        public byte[] get(String key) {
            byte[] classes = lookUp ? code.find() : null;
            hit = classes != null;
            return classes;
        }

        @Override
        public void putIfAbsent(String key, byte[] data) {
            code.keep(data);
        }
    }
}
