package dev.kelpie.guest.micropython;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.ImportFunction;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.api.wasm.GuestEntry;
import dev.kelpie.guest.wasi.spi.WasiImports;
import dev.kelpie.guest.wasi.spi.WasiSettings;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The guest adapter for Python actors: MicroPython 1.27's WebAssembly build (an Emscripten module) with
 * the actor's source in a custom section (see {@link PythonSource}). It supplies the Emscripten glue
 * ({@link EmscriptenGlue}), the JS-proxy hooks through which Python reaches waPC ({@link JsBridge}) and
 * WASI stdio to the actor's console (guest-wasi's {@link WasiImports}), and drives each instance with a
 * {@link PythonActor} on the caller's thread. Every activation boots its own interpreter in its own memory;
 * the compiled module is the registry's. See docs/guests/python.md.
 */
@Component(service = GuestAdapter.class, configurationPid = MicroPythonAdapter.PID,
        property = GuestAdapter.LANGUAGE + "=" + MicroPythonAdapter.LANGUAGE)
@Designate(ocd = MicroPythonAdapter.Config.class)
public final class MicroPythonAdapter implements GuestAdapter {
    public static final String PID = "dev.kelpie.guest.micropython";
    public static final String LANGUAGE = "python";
    /** What {@link #recognise} answers for MicroPython's build: above WASI's 5 and the others' 20. */
    public static final int SCORE = 30;
    /** The exports that mark MicroPython's WebAssembly port. */
    static final List<String> SIGNATURE_EXPORTS = List.of("mp_js_init", "mp_js_do_exec", "proxy_c_init",
            "proxy_c_to_js_call", "malloc", "free", "emscripten_stack_init", "setThrew");

    /** ConfigAdmin configuration of the Python adapter. */
    @ObjectClassDefinition(name = "Kelpie Python guest adapter", description = "Python actors on MicroPython")
    public @interface Config {
        @AttributeDefinition(description = "Initial size of each Python activation's garbage-collected heap, in bytes;"
                + " it grows on demand up to the actor's memory limit (max memory pages), past which Python raises"
                + " MemoryError")
        int heap__bytes() default MicroPythonSettings.DEFAULT_HEAP_BYTES;

        @AttributeDefinition(description = "Size of MicroPython's Python stack in words (4 bytes each); bounds the"
                + " depth of Python calls (RuntimeError: maximum recursion depth exceeded)")
        int pystack__words() default MicroPythonSettings.DEFAULT_PYSTACK_WORDS;

        @AttributeDefinition(description = "Whether activations start from a copy of an interpreter image (memory"
                + " after MicroPython's start-up and Kelpie's prelude, taken once per interpreter) instead of starting"
                + " the interpreter; the actor's source runs in every activation either way")
        boolean memory__image() default true;

        @AttributeDefinition(description = "Longest stdout/stderr (print) line passed to the console, in bytes")
        int max__line__bytes() default WasiSettings.DEFAULT_MAX_LINE_BYTES;
    }

    private final MicroPythonSettings settings;
    private final WasiSettings wasi;
    /** The interpreter image of each parsed interpreter module (shared by the modules of its code). */
    private final ImageCache images = new ImageCache();

    @Activate
    public MicroPythonAdapter(Config config) {
        this(new MicroPythonSettings(config.heap__bytes(), config.pystack__words(), config.memory__image()),
                WasiSettings.DEFAULTS.withMaxLineBytes(config.max__line__bytes()));
    }

    /** Plain Java: the defaults. */
    public MicroPythonAdapter() {
        this(MicroPythonSettings.DEFAULTS, WasiSettings.DEFAULTS);
    }

    /** Plain Java: the defaults, with or without interpreter images. */
    public MicroPythonAdapter(boolean memoryImage) {
        this(MicroPythonSettings.DEFAULTS.withMemoryImage(memoryImage), WasiSettings.DEFAULTS);
    }

    MicroPythonAdapter(MicroPythonSettings settings, WasiSettings wasi) {
        this.settings = settings;
        this.wasi = wasi;
    }

    @Override
    public String language() {
        return LANGUAGE;
    }

    /** {@link #SCORE} for a module exporting MicroPython's WebAssembly entry points, else 0. */
    @Override
    public int recognise(ModuleDescriptor module) {
        for (String export : SIGNATURE_EXPORTS) {
            if (!module.exportsFunction(export)) {
                return 0;
            }
        }
        return SCORE;
    }

    /** MicroPython's Emscripten imports ({@code env.*}) and WASI preview 1. */
    @Override
    public List<String> supplies() {
        return List.of("env.*", "wasi_snapshot_preview1.*");
    }

    @Override
    public GuestBinding bind(GuestContext context) {
        EmscriptenGlue glue = new EmscriptenGlue(context.module().label());
        JsBridge js = new JsBridge(context);
        WasiImports wasiImports = WasiImports.bind(context, wasi);
        List<ImportFunction> imports = new ArrayList<>(glue.imports(context.module()));
        imports.addAll(js.imports());
        imports.addAll(wasiImports.imports());
        PythonSource source = context.customSection(PythonSource.SECTION).map(PythonSource::of).orElse(null);
        GuestEntry entry = new Entry(context, source, settings, context.wapcFunction("__guest_error"), images(context));
        return new GuestBinding() {
            @Override
            public List<ImportFunction> imports() {
                return imports;
            }

            @Override
            public Optional<GuestEntry> entry() {
                return Optional.of(entry);
            }

            @Override
            public void close() {
                wasiImports.close();
            }
        };
    }

    /** Where activations of the context's module find and leave their interpreter image. */
    private PythonActor.Images images(GuestContext context) {
        if (!settings.memoryImage() || context.compiled() == null) {
            return PythonActor.Images.NONE;
        }
        WasmModule key = context.compiled().wasmModule();
        return new PythonActor.Images() {
            @Override
            public InterpreterImage image() {
                return images.get(key);
            }

            @Override
            public void offer(InterpreterImage image) {
                images.offer(key, image);
            }
        };
    }

    /** How many interpreter images the adapter holds (tests). */
    int imageCount() {
        return images.size();
    }

    /** The actor's source (read from the module at bind), run by a {@link PythonActor} once started. */
    private static final class Entry implements GuestEntry {
        private final GuestContext context;
        private final PythonSource source;
        private final MicroPythonSettings settings;
        private final ImportFunction guestError;
        private final PythonActor.Images images;
        private PythonActor actor;

        Entry(GuestContext context, PythonSource source, MicroPythonSettings settings, ImportFunction guestError,
                PythonActor.Images images) {
            this.context = context;
            this.source = source;
            this.settings = settings;
            this.guestError = guestError;
            this.images = images;
        }

        @Override
        public void start(Instance instance) {
            if (source == null) {
                throw new IllegalStateException("module " + context.module().label() + " is MicroPython without an"
                        + " actor's source (install a .py file, which adds it in the custom section "
                        + PythonSource.SECTION + ")");
            }
            actor = new PythonActor(source, settings, guestError, images);
            actor.start(instance);
        }

        @Override
        public int call(int operationLength, int payloadLength) {
            return actor.call(operationLength, payloadLength);
        }

        @Override
        public <T> T onCallerThread(Callable<T> work) throws Exception {
            return work.call();
        }
    }
}
