package dev.kelpie.registry;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.MemoryShape;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleExport;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.wasm.SourceTranslator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The module registry on Chicory. Modules are keyed by the SHA-256 of their bytes; the first install of
 * some bytes parses, validates and compiles them, every later or concurrent install of the same bytes
 * waits for and shares that one result. Modules that differ only in custom sections share one compiled
 * machine factory ({@link CodeIdentity}). Bytes that are not WebAssembly, under a name ending in the
 * extension of a {@link SourceTranslator} service ({@code .py}), are installed as the module it makes of them.
 */
@Component(service = ModuleRegistry.class, configurationPid = ChicoryModuleRegistry.PID)
@Designate(ocd = ChicoryModuleRegistry.Config.class)
public final class ChicoryModuleRegistry implements ModuleRegistry {
    public static final String PID = "dev.kelpie.registry";
    private static final byte[] WASM_MAGIC = {0x00, 0x61, 0x73, 0x6d};
    private static final System.Logger LOG = System.getLogger("kelpie.registry");

    /** ConfigAdmin configuration of the registry. */
    @ObjectClassDefinition(name = "Kelpie module registry", description = "Size cap, table cap and execution mode of WASM modules")
    public @interface Config {
        @AttributeDefinition(description = "Largest module accepted, in bytes")
        long max__module__bytes() default RegistrySettings.DEFAULT_MAX_MODULE_BYTES;

        @AttributeDefinition(description = "'compiled' (Chicory runtime compiler) or 'interpreted'")
        String execution__mode() default "compiled";

        @AttributeDefinition(description = "Largest table minimum a module may declare, in entries (the default is"
                + " Chicory's own ceiling, above which it would silently shrink the table); each instance's tables are"
                + " capped further by the waPC host (dev.kelpie.wapc max_table_entries)")
        int max__table__entries() default RegistrySettings.DEFAULT_MAX_TABLE_ENTRIES;

        @AttributeDefinition(description = "Whether compiled modules are kept on disk, so a restart loads them"
                + " instead of compiling (compiled execution mode only)")
        boolean compile__cache__enabled() default true;

        @AttributeDefinition(description = "Directory of the compile cache; relative to the system property"
                + " kelpie.home, or the working directory without it")
        String compile__cache__dir() default DEFAULT_COMPILE_CACHE_DIR;

        @AttributeDefinition(description = "Most bytes the compile cache may take; least recently used entries"
                + " are removed past it")
        long compile__cache__max__bytes() default DEFAULT_COMPILE_CACHE_MAX_BYTES;
    }

    /** The compile cache's directory in the distribution, under its data directory. */
    public static final String DEFAULT_COMPILE_CACHE_DIR = "data/compile-cache";
    /** 256 MiB of compiled modules (the 15 example and testbed modules take about 0.5 MiB). */
    public static final long DEFAULT_COMPILE_CACHE_MAX_BYTES = 256L * 1024 * 1024;
    /** Most precompiled modules offered ({@link #offerCompiledCode}) and not yet installed. */
    static final int MAX_OFFERED = 64;

    private final RegistrySettings settings;
    private final CompileCache cache;
    private final String identity = CompilerIdentity.current();
    private final ConcurrentHashMap<ModuleHash, CompletableFuture<Installed>> modules = new ConcurrentHashMap<>();
    /** Code compiled at build time, offered by a module bundle for a module about to be installed. */
    private final ConcurrentHashMap<ModuleHash, byte[]> offered = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<SourceTranslator> translators = new CopyOnWriteArrayList<>();

    @Activate
    public ChicoryModuleRegistry(Config config) {
        this(new RegistrySettings(config.max__module__bytes(), ExecutionMode.parse(config.execution__mode()),
                config.max__table__entries()), cacheOf(config));
    }

    /** A registry without a compile cache: every module is compiled when installed. */
    public ChicoryModuleRegistry(RegistrySettings settings) {
        this(settings, null);
    }

    /**
     * A registry that keeps compiled modules in {@code cache} and loads them from it.
     *
     * @param cache the compile cache, or null for none
     */
    public ChicoryModuleRegistry(RegistrySettings settings, CompileCache cache) {
        this.settings = settings;
        this.cache = cache;
    }

    private static CompileCache cacheOf(Config config) {
        if (!config.compile__cache__enabled()) {
            return null;
        }
        Path dir = Path.of(config.compile__cache__dir());
        if (!dir.isAbsolute()) {
            String home = System.getProperty("kelpie.home");
            dir = (home == null || home.isBlank() ? Path.of("") : Path.of(home)).resolve(dir);
        }
        return new CompileCache(dir, config.compile__cache__max__bytes());
    }

    /** The compile cache, if there is one. */
    public Optional<CompileCache> compileCache() {
        return Optional.ofNullable(cache);
    }

    /**
     * Takes code compiled ahead of time (by {@link Precompile}, carried in a module bundle beside the module)
     * for the next install of that module. It is taken only when its checksum holds, it is that module's and
     * this registry's compiler made it; else it is ignored and the module compiled as usual.
     */
    @Override
    public boolean offerCompiledCode(ModuleHash module, byte[] code) {
        if (module == null || code == null || settings.executionMode() != ExecutionMode.COMPILED) {
            return false;
        }
        try {
            byte[] classes = CompiledCode.unwrap(code, module, identity);
            if (offered.size() >= MAX_OFFERED && !offered.containsKey(module)) {
                return false;
            }
            offered.put(module, classes);
            return true;
        } catch (CompiledCode.Refused r) {
            LOG.log(System.Logger.Level.INFO, "precompiled code for module " + module.shortHex() + " not used: "
                    + r.getMessage() + "; compiling");
            return false;
        }
    }

    /** A translator of guest sources ({@code .py}) into modules. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void addSourceTranslator(SourceTranslator translator) {
        translators.add(translator);
    }

    public void removeSourceTranslator(SourceTranslator translator) {
        translators.remove(translator);
    }

    public RegistrySettings settings() {
        return settings;
    }

    @Override
    public long maxModuleBytes() {
        return settings.maxModuleBytes();
    }

    @Override
    public CompiledModule install(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("no module file given");
        }
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > settings.maxModuleBytes()) {
                throw tooLarge(name, size);
            }
            try (InputStream in = Files.newInputStream(file)) {
                bytes = readCapped(name, in);
            }
        } catch (IOException e) {
            throw new ModuleRejectedException(name, Reason.UNREADABLE, "cannot read " + file + ": " + e, e);
        }
        return install(name, bytes);
    }

    /** Reads a stream, failing as soon as it passes the size cap rather than buffering it all. */
    public byte[] readCapped(String name, InputStream in) throws IOException {
        byte[] bytes = in.readNBytes((int) settings.maxModuleBytes() + 1);
        if (bytes.length > settings.maxModuleBytes()) {
            throw tooLarge(name, -1);
        }
        return bytes;
    }

    @Override
    public CompiledModule install(String name, byte[] bytes) {
        String label = name == null || name.isBlank() ? "unnamed" : name;
        if (bytes == null || bytes.length == 0) {
            throw new ModuleRejectedException(label, Reason.EMPTY, "no bytes");
        }
        if (bytes.length > settings.maxModuleBytes()) {
            throw tooLarge(label, bytes.length);
        }
        if (bytes.length < 8 || !startsWithMagic(bytes)) {
            SourceTranslator translator = translatorFor(label);
            if (translator == null) {
                throw new ModuleRejectedException(label, Reason.MALFORMED,
                        "not a WebAssembly binary (it does not start with the \\0asm magic and a version)"
                                + translatableExtensions(label));
            }
            bytes = translator.translate(label, bytes);
            if (bytes == null || bytes.length < 8 || !startsWithMagic(bytes)) {
                throw new ModuleRejectedException(label, Reason.MALFORMED, "the " + translator.extension()
                        + " translator made no WebAssembly binary of it");
            }
            if (bytes.length > settings.maxModuleBytes()) {
                throw tooLarge(label, bytes.length);
            }
        }
        ModuleHash hash = sha256(bytes);
        CompletableFuture<Installed> mine = new CompletableFuture<>();
        CompletableFuture<Installed> existing = modules.putIfAbsent(hash, mine);
        if (existing != null) {
            offered.remove(hash); // compiled already
            return await(label, existing);
        }
        try {
            Installed installed = load(label, hash, bytes);
            mine.complete(installed);
            return installed;
        } catch (RuntimeException | Error e) {
            modules.remove(hash, mine);
            mine.completeExceptionally(e);
            throw e;
        } finally {
            offered.remove(hash); // an offer lasts one install
        }
    }

    /** The translator whose extension the name ends with, or null. */
    private SourceTranslator translatorFor(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (SourceTranslator t : translators) {
            String extension = t.extension();
            if (extension != null && !extension.isEmpty() && lower.endsWith(extension.toLowerCase(java.util.Locale.ROOT))) {
                return t;
            }
        }
        return null;
    }

    /** For the error of bytes that are not WebAssembly: which file names are sources (not for a .wasm name). */
    private String translatableExtensions(String name) {
        if (translators.isEmpty() || name.toLowerCase(java.util.Locale.ROOT).endsWith(".wasm")) {
            return "";
        }
        return "; sources are installed from files named *" + String.join(", *",
                translators.stream().map(SourceTranslator::extension).sorted().toArray(String[]::new));
    }

    @Override
    public Optional<CompiledModule> find(ModuleHash hash) {
        CompletableFuture<Installed> f = modules.get(hash);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return Optional.empty();
        }
        return Optional.of(f.join());
    }

    @Override
    public List<ModuleDescriptor> list() {
        List<ModuleDescriptor> out = new ArrayList<>();
        for (CompletableFuture<Installed> f : modules.values()) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                out.add(f.join().descriptor());
            }
        }
        out.sort(Comparator.comparing(ModuleDescriptor::name).thenComparing(ModuleDescriptor::hash));
        return out;
    }

    @Override
    public boolean remove(ModuleHash hash) {
        CompletableFuture<Installed> f = modules.get(hash);
        if (f == null || !f.isDone()) {
            return false;
        }
        return modules.remove(hash, f) && !f.isCompletedExceptionally();
    }

    /**
     * Pre-checks, parses, validates, inspects and compiles a module; whatever goes wrong
     * on the way ends in a {@link ModuleRejectedException} naming the module (see {@link LoadFailure}).
     */
    private Installed load(String name, ModuleHash hash, byte[] bytes) {
        long start = System.nanoTime();
        LoadFailure.Step step = LoadFailure.Step.PRECHECK;
        try {
            BinaryPrecheck.check(name, bytes, settings.maxTableEntries());
            step = LoadFailure.Step.PARSE;
            WasmModule module = Parser.builder().withValidation(true).build().parse(() -> new ByteArrayInputStream(bytes));
            step = LoadFailure.Step.INSPECT;
            ModuleInspector inspector = new ModuleInspector(module);
            List<ModuleImport> imports = inspector.imports();
            List<ModuleExport> exports = inspector.exports();
            MemoryShape memory = inspector.memory(exports);
            String language = inspector.guestLanguage(imports, exports);
            String producers = inspector.producers();
            step = LoadFailure.Step.COMPILE;
            String code = CodeIdentity.of(bytes);
            Map<String, byte[]> sections = customSections(module);
            Installed same = sameCode(code);
            WasmModule shared = same == null ? module : same.wasmModule(); // Chicory's factories check the module's identity
            Function<Instance, Machine> machineFactory = same == null ? compile(hash, module) : same.machineFactory();
            long millis = (System.nanoTime() - start) / 1_000_000;
            ModuleDescriptor descriptor = new ModuleDescriptor(hash, name, bytes.length, imports, exports, memory,
                    language, producers, settings.executionMode(), millis, Instant.now());
            return new Installed(descriptor, shared, machineFactory, code, sections);
        } catch (RuntimeException | AssertionError | LinkageError | StackOverflowError | OutOfMemoryError e) {
            // Chicory's verdicts, its crashes on inputs it did not expect (NullPointerException, index and
            // assertion errors), class-definition errors of compiled code, and an input too deep or too big
            throw LoadFailure.reject(name, step, e);
        }
    }

    /** An installed module with the same code, or null. */
    private Installed sameCode(String code) {
        for (CompletableFuture<Installed> f : modules.values()) {
            if (f.isDone() && !f.isCompletedExceptionally() && f.join().code().equals(code)) {
                return f.join();
            }
        }
        return null;
    }

    /** The module's own custom sections Chicory does not decode, by name (the first of each name). */
    private static Map<String, byte[]> customSections(WasmModule module) {
        Map<String, byte[]> out = new HashMap<>();
        for (CustomSection section : module.customSections()) {
            if (section instanceof UnknownCustomSection) {
                out.putIfAbsent(section.name(), ((UnknownCustomSection) section).bytes());
            }
        }
        return out;
    }

    private Function<Instance, Machine> compile(ModuleHash hash, WasmModule module) {
        if (settings.executionMode() == ExecutionMode.INTERPRETED) {
            return InterpreterMachine::new;
        }
        byte[] precompiled = offered.remove(hash);
        if (precompiled != null) {
            return CodeCompiler.compile(module, new Precompiled(hash, precompiled));
        }
        return CodeCompiler.compile(module, cache == null ? CodeCompiler.NONE : new Cached(hash));
    }

    /** A module's code in the compile cache. */
    private final class Cached implements CodeCompiler.Code {
        private final ModuleHash hash;

        Cached(ModuleHash hash) {
            this.hash = hash;
        }

        @Override
        public byte[] find() {
            return cache.load(hash, identity);
        }

        @Override
        public void keep(byte[] classes) {
            cache.store(hash, identity, classes);
        }

        @Override
        public void discard(String why) {
            cache.discard(hash, identity, why);
        }
    }

    /** A module's code offered by its bundle; compiled into the compile cache if it does not load. */
    private final class Precompiled implements CodeCompiler.Code {
        private final ModuleHash hash;
        private final byte[] classes;

        Precompiled(ModuleHash hash, byte[] classes) {
            this.hash = hash;
            this.classes = classes;
        }

        @Override
        public byte[] find() {
            return classes;
        }

        @Override
        public void keep(byte[] compiled) {
            if (cache != null) {
                cache.store(hash, identity, compiled);
            }
        }

        @Override
        public void discard(String why) {
            LOG.log(System.Logger.Level.WARNING, "precompiled code for module " + hash.shortHex() + " not used: "
                    + why + "; compiling");
        }
    }

    private CompiledModule await(String name, CompletableFuture<Installed> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleRejectedException(name, Reason.UNREADABLE, "interrupted while another install compiled it", e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof ModuleRejectedException) {
                // the same bytes, rejected for the install that compiled them: the same verdict, this name
                ModuleRejectedException r = (ModuleRejectedException) cause;
                throw new ModuleRejectedException(name, r.reason(), r.detail(), r);
            }
            throw new ModuleRejectedException(name, Reason.COMPILE_FAILED, "install failed: " + cause, cause);
        }
    }

    private ModuleRejectedException tooLarge(String name, long size) {
        String actual = size >= 0 ? size + " bytes" : "more than " + settings.maxModuleBytes() + " bytes";
        return new ModuleRejectedException(name, Reason.TOO_LARGE,
                "module is " + actual + ", over the size cap of " + settings.maxModuleBytes() + " bytes (max_module_bytes)");
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < WASM_MAGIC.length; i++) {
            if (bytes[i] != WASM_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    static ModuleHash sha256(byte[] bytes) {
        return ModuleHash.sha256(bytes);
    }

    /**
     * An installed module: descriptor, parsed module (shared by the modules of the same code), its machine
     * factory, its {@link CodeIdentity} and its own custom sections.
     */
    private record Installed(ModuleDescriptor descriptor, WasmModule wasmModule, Function<Instance, Machine> machineFactory,
            String code, Map<String, byte[]> sections) implements ChicoryModule {
        @Override
        public Optional<byte[]> customSection(String name) {
            byte[] content = sections.get(name);
            return content == null ? Optional.empty() : Optional.of(content.clone());
        }
    }
}
