package dev.kelpie.api.wasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a WASI guest is given besides its module: its {@code argv}, its environment variables and at most
 * one directory, which it sees at {@link #GUEST_PATH}. Set per actor type (the {@code Kelpie-Module}
 * header, {@code kelpie:install}, {@link dev.kelpie.api.deploy.DeployRequest#withEnvironment}) and carried
 * to each instance ({@link dev.kelpie.api.wapc.InstanceOptions#guestEnvironment()}, {@link
 * GuestContext#environment()}). {@link #NONE} gives nothing: no arguments, no variables, no files.
 *
 * <p>The constructor checks the form (variable names {@code [A-Za-z_][A-Za-z0-9_]*}, no NUL anywhere, a
 * directory without {@code ..}); counts, sizes and the quota's ceiling are the deployer's limits.
 *
 * @param arguments the guest's {@code argv}, as given (nothing is prepended)
 * @param variables the guest's environment variables, in order
 * @param directory the host directory the guest sees at {@link #GUEST_PATH}, or null for none: a relative
 *     path in a deployment request (the deployer resolves it under its WASI root), an absolute one in a
 *     deployed type and in an instance's options
 * @param writable whether the guest may change the directory (false: read-only)
 * @param directoryQuota bytes the directory may hold while the guest writes to it, or 0 for the
 *     deployer's default
 */
public record GuestEnvironment(List<String> arguments, Map<String, String> variables, String directory, boolean writable,
        long directoryQuota) {
    /** Where the guest sees its directory. */
    public static final String GUEST_PATH = "/data";
    /** Longest directory path, in characters. */
    public static final int MAX_DIRECTORY_CHARS = 1024;
    /** No arguments, no environment variables, no directory. */
    public static final GuestEnvironment NONE = new GuestEnvironment(List.of(), Map.of(), null, false, 0);

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public GuestEnvironment {
        arguments = List.copyOf(arguments);
        for (String a : arguments) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("WASI argument '" + printable(a) + "' contains a NUL character");
            }
        }
        Map<String, String> vars = new LinkedHashMap<>();
        variables.forEach((k, v) -> {
            if (k == null || !NAME.matcher(k).matches()) {
                throw new IllegalArgumentException("invalid WASI environment variable name '" + printable(k)
                        + "': use letters, digits and '_', not starting with a digit");
            }
            if (v == null || v.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("WASI environment variable " + k + " has "
                        + (v == null ? "no value" : "a value containing a NUL character"));
            }
            vars.put(k, v);
        });
        variables = Collections.unmodifiableMap(vars);
        if (directory != null) {
            checkDirectory(directory);
        } else if (writable || directoryQuota != 0) {
            throw new IllegalArgumentException("a WASI directory mode or quota needs a directory");
        }
        if (directoryQuota < 0) {
            throw new IllegalArgumentException("WASI directory quota must not be negative, was " + directoryQuota);
        }
    }

    /** The same arguments. */
    public GuestEnvironment withArguments(List<String> args) {
        return new GuestEnvironment(args, variables, directory, writable, directoryQuota);
    }

    /** The same environment variables, in the map's order. */
    public GuestEnvironment withVariables(Map<String, String> vars) {
        return new GuestEnvironment(arguments, vars, directory, writable, directoryQuota);
    }

    /** A directory (null: none), read-only unless {@code rw}; the quota is kept, 0 without a directory. */
    public GuestEnvironment withDirectory(String dir, boolean rw) {
        return new GuestEnvironment(arguments, variables, dir, dir != null && rw, dir == null ? 0 : directoryQuota);
    }

    /** A quota for the directory, in bytes (0: the deployer's default). */
    public GuestEnvironment withDirectoryQuota(long bytes) {
        return new GuestEnvironment(arguments, variables, directory, writable, bytes);
    }

    /** Whether it gives nothing (equal to {@link #NONE}). */
    public boolean isEmpty() {
        return arguments.isEmpty() && variables.isEmpty() && directory == null;
    }

    /** Arguments plus environment variables. */
    public int entries() {
        return arguments.size() + variables.size();
    }

    /**
     * Bytes the guest's {@code argv} and {@code environ} take: every argument and every {@code NAME=value},
     * in UTF-8, with a terminating NUL each.
     */
    public long bytes() {
        long n = 0;
        for (String a : arguments) {
            n += a.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        for (Map.Entry<String, String> e : variables.entrySet()) {
            n += e.getKey().length() + 1 + e.getValue().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return n;
    }

    /** The variables as {@code NAME=value} strings, in order. */
    public List<String> variableStrings() {
        List<String> out = new ArrayList<>();
        variables.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /** One line for listings: {@code args=[a, b] env=[K=V] dir=files/echo (rw, quota 67108864 bytes)}. */
    public String describe() {
        if (isEmpty()) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        if (!arguments.isEmpty()) {
            s.append("args=").append(arguments);
        }
        if (!variables.isEmpty()) {
            s.append(s.length() > 0 ? " " : "").append("env=").append(variableStrings());
        }
        if (directory != null) {
            s.append(s.length() > 0 ? " " : "").append("dir=").append(directory).append(" (")
                    .append(writable ? "rw" : "ro");
            if (writable) {
                s.append(", quota ").append(directoryQuota == 0 ? "default" : directoryQuota + " bytes");
            }
            s.append(")");
        }
        return s.toString();
    }

    /**
     * Parses {@code NAME=value} (the value may be empty and may contain {@code =}).
     *
     * @throws IllegalArgumentException naming the text when it has no {@code =}
     */
    public static Map.Entry<String, String> parseVariable(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("WASI environment variable '" + printable(text) + "' is not NAME=value");
        }
        return Map.entry(text.substring(0, eq), text.substring(eq + 1));
    }

    private static void checkDirectory(String dir) {
        String why = dir.isEmpty() ? "it is empty"
                : dir.length() > MAX_DIRECTORY_CHARS ? "it is longer than " + MAX_DIRECTORY_CHARS + " characters"
                : dir.indexOf('\0') >= 0 ? "it contains a NUL character"
                : hasDotDot(dir) ? "it contains '..'"
                : null;
        if (why != null) {
            throw new IllegalArgumentException("invalid WASI directory '" + printable(dir) + "': " + why);
        }
    }

    private static boolean hasDotDot(String dir) {
        for (String segment : dir.split("[/\\\\]")) {
            if (segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String t = s.replace("\0", "\\0");
        return t.length() > 80 ? t.substring(0, 80) + "…" : t;
    }
}
