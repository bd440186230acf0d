package dev.kelpie.guest.wasi.spi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasi.WasiPreview1_ModuleFactory;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * WASI preview 1 bound to one instance, under the module names the instance imports:
 * {@code wasi_snapshot_preview1} and the older {@code wasi_unstable} (TinyGo before 0.27 and other
 * pre-2020 toolchains). Built on Chicory's {@link WasiPreview1}, with Kelpie's own stdout/stderr (console
 * lines, each cut at a limit, paced by the host's console), {@code poll_oneoff} (interruptible), clocks
 * and {@code random_get}; stdin is empty. Arguments, environment variables and a directory come from the
 * instance's {@link GuestEnvironment} ({@link GuestContext#environment()}): none by default. The directory
 * is preopened at {@link GuestEnvironment#GUEST_PATH} (fd 3) and confined by {@link ConfinedFiles}: no
 * way out by {@code ..}, absolute paths or symbolic links, read-only unless writable, a quota on the bytes
 * it holds. Sockets and {@code proc_raise} answer {@code ENOSYS}.
 * {@code proc_exit(n)} throws {@link com.dylibso.chicory.wasi.WasiExitException} for every code,
 * 0 included, so the host can tell a normal end of initialisation from an exit during a call.
 *
 * <p>A language adapter composes it: {@code WasiImports wasi = WasiImports.bind(context, settings)},
 * then answers {@code wasi.imports()} plus its own imports, and closes {@code wasi} with its binding.
 */
public final class WasiImports implements GuestBinding {
    /** WASI preview 1's module name. */
    public static final String PREVIEW1 = "wasi_snapshot_preview1";
    /** The module name of WASI's first snapshot, imported by older toolchains. */
    public static final String UNSTABLE = "wasi_unstable";
    /** Both module names this binding serves. */
    public static final Set<String> MODULES = Set.of(PREVIEW1, UNSTABLE);

    /** Functions Chicory would trap on ("not yet supported"): they answer ENOSYS instead. */
    private static final Set<String> NOT_SUPPORTED = Set.of("sock_accept", "sock_recv", "sock_send", "sock_shutdown",
            "proc_raise", "adapter_close_badfd", "adapter_open_badfd");

    private final ConsoleOutput console;
    private final WasiPreview1 wasi;
    private final List<ImportFunction> imports;

    private WasiImports(GuestContext context, WasiSettings settings) {
        GuestEnvironment environment = context.environment();
        Path directory = environment.directory() == null ? null : openDirectory(context, environment.directory());
        this.console = new ConsoleOutput(context, settings);
        WasiOptions.Builder options = WasiOptions.builder()
                .withStdin(InputStream.nullInputStream(), false)
                // stdout and stderr report themselves as terminals, so wasi-libc line-buffers them; the
                // bytes never reach these streams (fd_write to 1 and 2 goes to the console lines).
                .withStdout(OutputStream.nullOutputStream(), true)
                .withStderr(OutputStream.nullOutputStream(), true)
                .withArguments(environment.arguments())
                .withThrowOnExit0(true);
        environment.variables().forEach(options::withEnvironment);
        if (directory != null) {
            options.withDirectory(GuestEnvironment.GUEST_PATH, directory); // fd 3
        }
        this.wasi = WasiPreview1.builder().withOptions(options.build()).build();
        long quota = environment.directoryQuota() > 0 ? environment.directoryQuota() : DEFAULT_DIRECTORY_QUOTA;
        ConfinedFiles files = new ConfinedFiles(wasi, directory, environment.writable(), quota, settings.maxOpenFiles());
        WasiFunctions functions = new WasiFunctions(console);
        List<ImportFunction> all = new ArrayList<>();
        Set<String> imported = new HashSet<>();
        for (ModuleImport i : context.module().imports()) {
            imported.add(i.module() + "." + i.name());
        }
        for (String module : importedWasiModules(context.module())) {
            for (HostFunction f : WasiPreview1_ModuleFactory.toHostFunctions(wasi, module)) {
                if (!imported.contains(module + "." + f.name())) {
                    continue; // only what the module imports: an instance holds a few functions, not 46
                }
                all.add(new HostFunction(module, f.name(), f.functionType(),
                        guarded(module, f.name(), override(functions, files, module, f.name(), f.handle()))));
            }
        }
        this.imports = List.copyOf(all);
    }

    /** Bytes a writable directory may hold when its environment names no quota (64 MiB). */
    public static final long DEFAULT_DIRECTORY_QUOTA = 64L << 20;

    /**
     * The real path of an instance's directory, created if missing: it must be absolute (the deployer
     * resolves a type's relative directory under its WASI root before it reaches an instance).
     */
    private static Path openDirectory(GuestContext context, String directory) {
        String module = context.module() == null ? "?" : context.module().label();
        Path path;
        try {
            path = Path.of(directory);
        } catch (InvalidPathException e) {
            throw new ModuleInstantiationException(module, "the WASI directory '" + directory + "' of "
                    + context.instanceLabel() + " is not a valid path: " + e.getMessage(), e);
        }
        if (!path.isAbsolute()) {
            throw new ModuleInstantiationException(module, "the WASI directory '" + directory + "' of "
                    + context.instanceLabel() + " is not an absolute host path (a deployer resolves a type's"
                    + " directory under its WASI root)");
        }
        try {
            Files.createDirectories(path);
            Path real = path.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new IOException("it is not a directory");
            }
            return real;
        } catch (IOException e) {
            throw new ModuleInstantiationException(module, "the WASI directory '" + directory + "' of "
                    + context.instanceLabel() + " cannot be opened: " + e, e);
        }
    }

    /** Binds WASI to the instance {@code context} describes: the WASI functions its module imports. */
    public static WasiImports bind(GuestContext context, WasiSettings settings) {
        return new WasiImports(context, settings);
    }

    /** Whether a module name is one of WASI preview 1's. */
    public static boolean isWasiModule(String moduleName) {
        return MODULES.contains(moduleName);
    }

    /** Whether a module imports nothing but waPC ({@code wapc}) and WASI (either module name). */
    public static boolean importsOnlyWapcAndWasi(ModuleDescriptor module) {
        for (ModuleImport i : module.imports()) {
            if (!i.module().equals("wapc") && !isWasiModule(i.module())) {
                return false;
            }
        }
        return true;
    }

    /** The WASI module names a module imports from (empty when it does not use WASI). */
    public static Set<String> importedWasiModules(ModuleDescriptor module) {
        Set<String> names = new TreeSet<>();
        for (ModuleImport i : module.imports()) {
            if (isWasiModule(i.module())) {
                names.add(i.module());
            }
        }
        return names;
    }

    @Override
    public List<ImportFunction> imports() {
        return imports;
    }

    /** Writes out unfinished output lines and frees Chicory's WASI state. */
    @Override
    public void close() {
        console.flush();
        wasi.close();
    }

    private static WasmFunctionHandle override(WasiFunctions fn, ConfinedFiles files, String module, String name,
            WasmFunctionHandle chicory) {
        boolean unstable = module.equals(UNSTABLE);
        if (NOT_SUPPORTED.contains(name)) {
            return (instance, args) -> result(WasiFunctions.ENOSYS);
        }
        if (unstable) {
            switch (name) {
                case "fd_seek":
                    // wasi_unstable numbers whence CUR=0, END=1, SET=2; preview 1 SET=0, CUR=1, END=2.
                    return (instance, args) -> {
                        long[] mapped = args.clone();
                        mapped[2] = args[2] == 0 ? 1 : args[2] == 1 ? 2 : args[2] == 2 ? 0 : args[2];
                        return chicory.apply(instance, mapped);
                    };
                case "fd_filestat_get":
                case "path_filestat_get":
                    // Their filestat layout differs from preview 1's (nlink is u32): not offered.
                    return (instance, args) -> result(WasiFunctions.ENOSYS);
                default:
                    break;
            }
        }
        switch (name) {
            case "fd_write":
                return (instance, args) -> {
                    int rc = fn.fdWriteConsole(instance.memory(), (int) args[0], WasiFunctions.u32(args[1]),
                            WasiFunctions.u32(args[2]), WasiFunctions.u32(args[3]));
                    if (rc >= 0) {
                        return result(rc);
                    }
                    int checked = WasiFunctions.checkIovecs(instance.memory(), WasiFunctions.u32(args[1]),
                            WasiFunctions.u32(args[2]));
                    return checked != WasiFunctions.ESUCCESS ? result(checked) : files.fdWrite(instance, args, chicory, false);
                };
            case "fd_read":
                return (instance, args) -> {
                    long iovs = WasiFunctions.u32(args[1]);
                    long count = WasiFunctions.u32(args[2]);
                    int checked = WasiFunctions.checkIovecs(instance.memory(), iovs, count);
                    if (checked != WasiFunctions.ESUCCESS) {
                        return result(checked);
                    }
                    return args[0] == 0 ? result(WasiFunctions.readStdin(instance.memory(), WasiFunctions.u32(args[3])))
                            : chicory.apply(instance, args);
                };
            case "fd_pread":
                return (instance, args) -> {
                    int checked = WasiFunctions.checkIovecs(instance.memory(), WasiFunctions.u32(args[1]),
                            WasiFunctions.u32(args[2]));
                    return checked != WasiFunctions.ESUCCESS ? result(checked) : chicory.apply(instance, args);
                };
            case "fd_pwrite":
                return (instance, args) -> {
                    int checked = WasiFunctions.checkIovecs(instance.memory(), WasiFunctions.u32(args[1]),
                            WasiFunctions.u32(args[2]));
                    return checked != WasiFunctions.ESUCCESS ? result(checked) : files.fdWrite(instance, args, chicory, true);
                };
            case "poll_oneoff":
                return (instance, args) -> result(fn.pollOneoff(instance.memory(), WasiFunctions.u32(args[0]),
                        WasiFunctions.u32(args[1]), WasiFunctions.u32(args[2]), WasiFunctions.u32(args[3]), unstable));
            case "clock_time_get":
                return (instance, args) -> result(fn.clockTimeGet(instance.memory(), (int) args[0], WasiFunctions.u32(args[2])));
            case "clock_res_get":
                return (instance, args) -> result(fn.clockResGet(instance.memory(), (int) args[0], WasiFunctions.u32(args[1])));
            case "random_get":
                return (instance, args) -> result(fn.randomGet(instance.memory(), WasiFunctions.u32(args[0]),
                        WasiFunctions.u32(args[1])));
            // the directory: every path confined, every change checked (ConfinedFiles)
            case "path_open":
                return (instance, args) -> files.pathOpen(instance, args, chicory);
            case "fd_close":
                return (instance, args) -> files.fdClose(instance, args, chicory);
            case "fd_renumber":
                return (instance, args) -> files.fdRenumber(instance, args, chicory);
            case "path_create_directory":
            case "path_remove_directory":
                return (instance, args) -> files.pathChange(instance, args, chicory);
            case "path_unlink_file":
                return (instance, args) -> files.pathUnlinkFile(instance, args, chicory);
            case "path_rename":
                return (instance, args) -> files.pathRename(instance, args, chicory);
            case "path_filestat_get":
                return (instance, args) -> files.pathRead(instance, args, chicory, 2);
            case "path_readlink":
                return (instance, args) -> files.pathRead(instance, args, chicory, 1);
            case "path_filestat_set_times":
                return (instance, args) -> files.pathFilestatSetTimes(instance, args, chicory);
            case "path_symlink":
            case "path_link":
                return (instance, args) -> ConfinedFiles.links();
            case "fd_filestat_set_size":
                return (instance, args) -> files.fdSetSize(instance, args, chicory);
            case "fd_allocate":
                return (instance, args) -> files.fdAllocate(instance, args, chicory);
            case "fd_filestat_set_times":
                return (instance, args) -> files.fdSetTimes(instance, args, chicory);
            case "fd_readdir":
                return (instance, args) -> files.fdReaddir(instance, args, chicory);
            default:
                return chicory;
        }
    }

    private static long[] result(int errno) {
        return new long[] {errno};
    }

    /** Passes Chicory's own exceptions (traps, exits, interrupts) on; anything else becomes a trap naming the function. */
    private static WasmFunctionHandle guarded(String module, String name, WasmFunctionHandle handle) {
        return (Instance instance, long... args) -> {
            try {
                return handle.apply(instance, args);
            } catch (ChicoryException e) {
                throw e;
            } catch (RuntimeException e) {
                String detail = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
                throw new TrapException("WASI " + module + "." + name + " failed: " + detail);
            }
        };
    }
}
