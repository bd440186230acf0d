package dev.kelpie.runtime;

import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.DeploymentException.Reason;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The deployer's rules for what a type's WASI guests are given ({@link GuestEnvironment}): how many
 * arguments and variables, how many bytes they take, the largest directory quota, and the WASI root a
 * type's directory lives under. {@link #resolve} checks a deployment's environment and turns its relative
 * directory into a real, existing directory under the root.
 *
 * @param wasiRoot the directory every type's directory is resolved under, or null when the runtime has none
 *     (a type asking for a directory is then refused)
 * @param maxEntries most arguments plus environment variables
 * @param maxBytes most bytes of arguments and {@code NAME=value} strings, a NUL each included
 * @param maxDirectoryQuota the quota of a writable directory whose type names none, and the most it may name
 */
public record GuestEnvironmentRules(Path wasiRoot, int maxEntries, int maxBytes, long maxDirectoryQuota) {
    public static final int DEFAULT_MAX_ENTRIES = 64;
    public static final int DEFAULT_MAX_BYTES = 8192;
    public static final long DEFAULT_MAX_DIRECTORY_QUOTA = 64L << 20;

    /** The default limits, and no WASI root. */
    public static final GuestEnvironmentRules DEFAULTS =
            new GuestEnvironmentRules(null, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES, DEFAULT_MAX_DIRECTORY_QUOTA);

    public GuestEnvironmentRules {
        wasiRoot = wasiRoot == null ? null : wasiRoot.toAbsolutePath().normalize();
        if (maxEntries < 0 || maxBytes < 0 || maxDirectoryQuota < 0) {
            throw new IllegalArgumentException("WASI environment limits must not be negative: max_wasi_entries="
                    + maxEntries + ", max_wasi_bytes=" + maxBytes + ", max_wasi_dir_quota=" + maxDirectoryQuota);
        }
    }

    /** The same limits with this WASI root. */
    public GuestEnvironmentRules withWasiRoot(Path root) {
        return new GuestEnvironmentRules(root, maxEntries, maxBytes, maxDirectoryQuota);
    }

    /**
     * Checks a deployment's environment against the limits and the module, and resolves its directory:
     * relative, under the WASI root (created if missing), its real path still under the root's; the quota
     * of a writable one filled in.
     *
     * @throws DeploymentException ({@link Reason#INVALID_REQUEST}) naming the module, the type and the limit
     */
    GuestEnvironment resolve(ModuleDescriptor module, String type, GuestEnvironment env) {
        if (env.isEmpty()) {
            return env;
        }
        String source = module.label();
        if (!importsWasi(module)) {
            throw invalid(source, type, "it was given WASI arguments, environment variables or a directory, but the"
                    + " module does not import WASI (wasi_snapshot_preview1 or wasi_unstable)");
        }
        if (env.entries() > maxEntries) {
            throw invalid(source, type, "its WASI environment has " + env.entries() + " arguments and variables,"
                    + " over the limit of " + maxEntries + " (max_wasi_entries)");
        }
        if (env.bytes() > maxBytes) {
            throw invalid(source, type, "its WASI arguments and variables take " + env.bytes() + " bytes, over the"
                    + " limit of " + maxBytes + " (max_wasi_bytes)");
        }
        if (env.directory() == null) {
            return env;
        }
        long quota = env.directoryQuota() == 0 ? maxDirectoryQuota : env.directoryQuota();
        if (quota > maxDirectoryQuota) {
            throw invalid(source, type, "its WASI directory quota of " + quota + " bytes is over the limit of "
                    + maxDirectoryQuota + " (max_wasi_dir_quota)");
        }
        return env.withDirectory(directory(source, type, env.directory()).toString(), env.writable())
                .withDirectoryQuota(env.writable() ? quota : 0);
    }

    private Path directory(String source, String type, String dir) {
        if (wasiRoot == null) {
            throw invalid(source, type, "it was given the WASI directory '" + dir + "', but this runtime has no WASI"
                    + " root (give the embedded runtime a data directory)");
        }
        Path relative;
        try {
            relative = Path.of(dir);
        } catch (InvalidPathException e) {
            throw invalid(source, type, "its WASI directory '" + dir + "' is not a valid path: " + e.getMessage());
        }
        if (relative.isAbsolute() || dir.startsWith("/") || dir.startsWith("\\")) {
            throw invalid(source, type, "its WASI directory '" + dir + "' must be relative to the WASI root "
                    + wasiRoot + " (wasi_root)");
        }
        Path resolved = wasiRoot.resolve(relative).normalize();
        if (!resolved.startsWith(wasiRoot) || resolved.equals(wasiRoot)) {
            throw invalid(source, type, "its WASI directory '" + dir + "' must name a directory inside the WASI root");
        }
        try {
            Files.createDirectories(resolved);
            Path real = resolved.toRealPath();
            Path realRoot = wasiRoot.toRealPath();
            if (!real.startsWith(realRoot) || !Files.isDirectory(real)) {
                throw invalid(source, type, "its WASI directory '" + dir + "' resolves to " + real + ", which is not a"
                        + " directory inside the WASI root " + realRoot + " (a symbolic link?)");
            }
            return real;
        } catch (IOException e) {
            throw invalid(source, type, "its WASI directory '" + dir + "' cannot be created under " + wasiRoot + ": " + e);
        }
    }

    private static boolean importsWasi(ModuleDescriptor module) {
        for (ModuleImport i : module.imports()) {
            if (i.module().equals("wasi_snapshot_preview1") || i.module().equals("wasi_unstable")) {
                return true;
            }
        }
        return false;
    }

    private static DeploymentException invalid(String source, String type, String detail) {
        return new DeploymentException(source, type, Reason.INVALID_REQUEST, detail);
    }
}
