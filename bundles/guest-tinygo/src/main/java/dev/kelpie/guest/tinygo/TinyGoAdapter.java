package dev.kelpie.guest.tinygo;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.guest.wasi.spi.WasiImports;
import dev.kelpie.guest.wasi.spi.WasiSettings;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The guest adapter for TinyGo modules built with {@code wapc-guest-tinygo}, in both shapes TinyGo emits:
 * older WASI commands ({@code tinygo build -target=wasi}: exports {@code _start}, {@code __guest_call},
 * {@code malloc}, {@code free}; WASI under {@code wasi_snapshot_preview1} or, before TinyGo 0.16,
 * {@code wasi_unstable}) and current reactors ({@code -target=wasip1 -buildmode=c-shared}: exports
 * {@code _initialize}, {@code wapc_init}, {@code __guest_call}). The waPC host runs {@code _start} or
 * {@code _initialize}, then {@code wapc_init}; {@code proc_exit(0)} at the end of {@code _start} is a normal
 * end of initialisation.
 *
 * <p>TinyGo's WASI targets import nothing beyond WASI and {@code wapc}, so the adapter supplies
 * {@link WasiImports} and nothing else. It answers {@link #SCORE} for a module the registry names
 * {@code tinygo} (a {@code producers} section naming TinyGo, or WASI imported as {@code wasi_unstable}),
 * above the WASI adapter, so such a module is listed and served as TinyGo. A TinyGo module without that
 * mark is served by the WASI adapter, with the same imports. Modules built for TinyGo's browser target
 * ({@code -target=wasm}: {@code env}/{@code gojs} imports for {@code syscall/js}) are not recognised.
 */
@Component(service = GuestAdapter.class, configurationPid = TinyGoAdapter.PID,
        property = GuestAdapter.LANGUAGE + "=" + TinyGoAdapter.LANGUAGE)
@Designate(ocd = TinyGoAdapter.Config.class)
public final class TinyGoAdapter implements GuestAdapter {
    public static final String PID = "dev.kelpie.guest.tinygo";
    public static final String LANGUAGE = "tinygo";
    /** What {@link #recognise} answers for a TinyGo module: above the WASI adapter's 5. */
    public static final int SCORE = 10;

    /** ConfigAdmin configuration of the TinyGo adapter. */
    @ObjectClassDefinition(name = "Kelpie TinyGo guest adapter", description = "Limits on TinyGo guests' WASI console output")
    public @interface Config {
        @AttributeDefinition(description = "Longest stdout/stderr line passed to the console, in bytes; longer lines are cut")
        int max__line__bytes() default WasiSettings.DEFAULT_MAX_LINE_BYTES;
    }

    private final WasiSettings settings;

    @Activate
    public TinyGoAdapter(Config config) {
        this(WasiSettings.DEFAULTS.withMaxLineBytes(config.max__line__bytes()));
    }

    /** Plain Java: an adapter whose WASI has the given settings. */
    public TinyGoAdapter(WasiSettings settings) {
        this.settings = settings;
    }

    /** Plain Java: an adapter with {@link WasiSettings#DEFAULTS}. */
    public TinyGoAdapter() {
        this(WasiSettings.DEFAULTS);
    }

    @Override
    public String language() {
        return LANGUAGE;
    }

    /** WASI preview 1 (and {@code wasi_unstable}), for TinyGo's runtime. */
    @Override
    public java.util.List<String> supplies() {
        return java.util.List.of("wasi_snapshot_preview1.*", "wasi_unstable.*");
    }

    /**
     * {@link #SCORE} when the registry names the module's language {@code tinygo} and it imports nothing
     * but {@code wapc} and WASI; else 0.
     */
    @Override
    public int recognise(ModuleDescriptor module) {
        return LANGUAGE.equals(module.guestLanguage()) && WasiImports.importsOnlyWapcAndWasi(module) ? SCORE : 0;
    }

    @Override
    public GuestBinding bind(GuestContext context) {
        return WasiImports.bind(context, settings);
    }
}
