package dev.kelpie.guest.go;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.api.wasm.GuestEntry;
import dev.kelpie.guest.wasi.spi.WasiImports;
import dev.kelpie.guest.wasi.spi.WasiSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The guest adapter for standard Go ({@code GOOS=wasip1}) guests built with Kelpie's Go SDK. Go before
 * 1.24 cannot export functions, so such a guest is a WASI command: its {@code main} serves calls in
 * {@code kelpie.Serve}, which asks the host for each next call through the import
 * {@code kelpie_go.next_call(prev_result i32) -> i64}. This adapter runs {@code _start} on a thread per
 * instance ({@code kelpie-go-<label>}), hands it each call from the caller's thread and runs the host
 * functions it calls back on the caller's thread. WASI comes from {@link WasiImports}. See
 * docs/guests/go.md.
 */
@Component(service = GuestAdapter.class, configurationPid = GoAdapter.PID,
        property = GuestAdapter.LANGUAGE + "=" + GoAdapter.LANGUAGE)
@Designate(ocd = GoAdapter.Config.class)
public final class GoAdapter implements GuestAdapter {
    public static final String PID = "dev.kelpie.guest.go";
    public static final String LANGUAGE = "go";
    /** What {@link #recognise} answers for a Kelpie Go guest: above WASI's 5. */
    public static final int SCORE = 20;
    /** The import module of Kelpie's Go convention. */
    public static final String MODULE = "kelpie_go";
    /** The import that hands the guest its next call. */
    public static final String NEXT_CALL = "next_call";
    static final String NEXT_CALL_TYPE = "(i32) -> (i64)";
    /** Default of {@link Config#shutdown__timeout__millis()}. */
    public static final int DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 1000;
    private static final FunctionType NEXT_CALL_FUNCTION = FunctionType.of(List.of(ValType.I32), List.of(ValType.I64));

    /** ConfigAdmin configuration of the Go adapter. */
    @ObjectClassDefinition(name = "Kelpie Go guest adapter", description = "Go (wasip1) guests served from a thread per"
            + " instance")
    public @interface Config {
        @AttributeDefinition(description = "How long closing a Go instance waits for its main to return after"
                + " kelpie.Serve was told to stop, and again after interrupting its thread, in milliseconds")
        int shutdown__timeout__millis() default DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;

        @AttributeDefinition(description = "Longest stdout/stderr line passed to the console, in bytes")
        int max__line__bytes() default WasiSettings.DEFAULT_MAX_LINE_BYTES;
    }

    private final Duration shutdownWait;
    private final WasiSettings wasi;

    @Activate
    public GoAdapter(Config config) {
        this(Duration.ofMillis(Math.max(1, config.shutdown__timeout__millis())),
                WasiSettings.DEFAULTS.withMaxLineBytes(config.max__line__bytes()));
    }

    /** Plain Java: an adapter with the given shutdown wait and WASI settings. */
    public GoAdapter(Duration shutdownWait, WasiSettings wasi) {
        if (shutdownWait == null || shutdownWait.isNegative() || shutdownWait.isZero()) {
            throw new IllegalArgumentException("the Go shutdown wait must be positive, not " + shutdownWait);
        }
        this.shutdownWait = shutdownWait;
        this.wasi = wasi;
    }

    /** Plain Java: the defaults (1 s shutdown wait, {@link WasiSettings#DEFAULTS}). */
    public GoAdapter() {
        this(Duration.ofMillis(DEFAULT_SHUTDOWN_TIMEOUT_MILLIS), WasiSettings.DEFAULTS);
    }

    @Override
    public String language() {
        return LANGUAGE;
    }

    /**
     * {@link #SCORE} for a WASI command ({@code _start}, no {@code __guest_call}) that imports only
     * {@code wapc}, WASI and {@code kelpie_go.next_call}, and either imports {@code next_call} or was built by
     * Go (its producers section, or the registry's guess). A Go command that never calls {@code kelpie.Serve}
     * so fails with a message saying so instead of the host's "no __guest_call". Else 0.
     */
    /** {@code kelpie_go.next_call} and WASI preview 1 (and {@code wasi_unstable}). */
    @Override
    public List<String> supplies() {
        return List.of(MODULE + "." + NEXT_CALL, "wasi_snapshot_preview1.*", "wasi_unstable.*");
    }

    @Override
    public int recognise(ModuleDescriptor module) {
        if (!module.exportsFunction("_start") || module.exportsFunction("__guest_call")) {
            return 0;
        }
        boolean nextCall = builtByGo(module);
        for (ModuleImport i : module.imports()) {
            if (i.module().equals(MODULE)) {
                if (!i.name().equals(NEXT_CALL)) {
                    return 0;
                }
                nextCall = true;
            } else if (!i.module().equals("wapc") && !WasiImports.isWasiModule(i.module())) {
                return 0;
            }
        }
        return nextCall ? SCORE : 0;
    }

    private static final Pattern GO_PRODUCER = Pattern.compile("(^|; )language=Go\\b");

    private static boolean builtByGo(ModuleDescriptor module) {
        return LANGUAGE.equals(module.guestLanguage())
                || module.producers() != null && GO_PRODUCER.matcher(module.producers()).find();
    }

    @Override
    public GuestBinding bind(GuestContext context) {
        GoCommand command = new GoCommand(context.module().label(), context.instanceLabel(), shutdownWait, context::log);
        WasiImports wasiImports = WasiImports.bind(context, wasi);
        List<ImportFunction> imports = new ArrayList<>(wasiImports.imports());
        imports.add(new HostFunction(MODULE, NEXT_CALL, NEXT_CALL_FUNCTION,
                (instance, args) -> new long[] {command.nextCall((int) args[0])}));
        return new GoBinding(imports, command, wasiImports);
    }

    /** One instance's imports and its command driver; closing ends the guest thread, then WASI. */
    private static final class GoBinding implements GuestBinding {
        private final List<ImportFunction> imports;
        private final GoCommand command;
        private final WasiImports wasiImports;
        private final AtomicBoolean closed = new AtomicBoolean();

        GoBinding(List<ImportFunction> imports, GoCommand command, WasiImports wasiImports) {
            this.imports = List.copyOf(imports);
            this.command = command;
            this.wasiImports = wasiImports;
        }

        @Override
        public List<ImportFunction> imports() {
            return imports;
        }

        @Override
        public Optional<GuestEntry> entry() {
            return Optional.of(command);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                try {
                    command.close();
                } finally {
                    wasiImports.close();
                }
            }
        }
    }
}
