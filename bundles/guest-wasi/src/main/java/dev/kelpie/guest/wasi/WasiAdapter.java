package dev.kelpie.guest.wasi;

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
 * The guest adapter for modules that need nothing beyond waPC but WASI preview 1: C on wasi-libc, Rust on
 * {@code wasm32-wasi}, and other toolchains whose only other imports are {@code wasi_snapshot_preview1}
 * or {@code wasi_unstable}. It answers {@link #SCORE}, below any language-specific adapter, which should
 * compose {@link WasiImports} with its own imports instead.
 */
@Component(service = GuestAdapter.class, configurationPid = WasiAdapter.PID,
        property = GuestAdapter.LANGUAGE + "=" + WasiAdapter.LANGUAGE)
@Designate(ocd = WasiAdapter.Config.class)
public final class WasiAdapter implements GuestAdapter {
    public static final String PID = "dev.kelpie.guest.wasi";
    public static final String LANGUAGE = "wasi";
    /** What {@link #recognise} answers for a module it serves; language adapters answer more (10+). */
    public static final int SCORE = 5;

    /** ConfigAdmin configuration of the WASI adapter. */
    @ObjectClassDefinition(name = "Kelpie WASI guest adapter", description = "Limits on WASI guests' console output"
            + " (how many lines a second is the waPC host's output limit) and open files")
    public @interface Config {
        @AttributeDefinition(description = "Longest stdout/stderr line passed to the console, in bytes; longer lines are cut")
        int max__line__bytes() default WasiSettings.DEFAULT_MAX_LINE_BYTES;

        @AttributeDefinition(description = "Files and directories one instance may hold open in its WASI directory at"
                + " once (path_open answers EMFILE past it)")
        int max__open__files() default WasiSettings.DEFAULT_MAX_OPEN_FILES;
    }

    private final WasiSettings settings;

    @Activate
    public WasiAdapter(Config config) {
        this(WasiSettings.DEFAULTS.withMaxLineBytes(config.max__line__bytes()).withMaxOpenFiles(config.max__open__files()));
    }

    /** Plain Java: an adapter with the given settings. */
    public WasiAdapter(WasiSettings settings) {
        this.settings = settings;
    }

    /** Plain Java: an adapter with {@link WasiSettings#DEFAULTS}. */
    public WasiAdapter() {
        this(WasiSettings.DEFAULTS);
    }

    @Override
    public String language() {
        return LANGUAGE;
    }

    /** Every import of {@code wasi_snapshot_preview1} and of its predecessor {@code wasi_unstable}. */
    @Override
    public java.util.List<String> supplies() {
        return java.util.List.of("wasi_snapshot_preview1.*", "wasi_unstable.*");
    }

    /** {@link #SCORE} when the module imports WASI and nothing else besides waPC, else 0. */
    @Override
    public int recognise(ModuleDescriptor module) {
        return WasiImports.importsOnlyWapcAndWasi(module) && !WasiImports.importedWasiModules(module).isEmpty() ? SCORE : 0;
    }

    @Override
    public GuestBinding bind(GuestContext context) {
        return WasiImports.bind(context, settings);
    }
}
