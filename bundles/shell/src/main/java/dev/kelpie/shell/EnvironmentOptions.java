package dev.kelpie.shell;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The WASI options of {@code kelpie:install} as typed, empty when not given: {@code --args "a,b"},
 * {@code --env "NAME=value,NAME2=value2"}, {@code --dir PATH[:ro|:rw]}, {@code --dir-quota SIZE}, in the
 * notation of the {@code Kelpie-Module} header's {@code args}, {@code env}, {@code dir}, {@code dir-mode}
 * and {@code dir-quota} (Gogo takes an option once, so the lists are comma-separated).
 */
record EnvironmentOptions(String args, String env, String dir, String dirQuota) {
    static final EnvironmentOptions NONE = new EnvironmentOptions("", "", "", "");

    boolean isEmpty() {
        return blank(args) && blank(env) && blank(dir) && blank(dirQuota);
    }

    /**
     * The environment the options give (what is not given is empty), or null when none is given (a hot swap
     * then keeps the replaced type's); a bad value fails naming the option.
     */
    GuestEnvironment toEnvironment() {
        if (isEmpty()) {
            return null;
        }
        GuestEnvironment e = GuestEnvironment.NONE;
        try {
            e = e.withArguments(list(args));
        } catch (IllegalArgumentException x) {
            throw new CommandException("invalid --args " + args + ": " + x.getMessage());
        }
        try {
            Map<String, String> vars = new LinkedHashMap<>();
            for (String pair : list(env)) {
                Map.Entry<String, String> v = GuestEnvironment.parseVariable(pair);
                if (vars.put(v.getKey(), v.getValue()) != null) {
                    throw new IllegalArgumentException("environment variable " + v.getKey() + " is given twice");
                }
            }
            e = e.withVariables(vars);
        } catch (IllegalArgumentException x) {
            throw new CommandException("invalid --env " + env + ": " + x.getMessage());
        }
        if (blank(dir)) {
            if (!blank(dirQuota)) {
                throw new CommandException("--dir-quota needs --dir PATH:rw");
            }
            return e;
        }
        String path = dir.trim();
        boolean rw = path.endsWith(":rw");
        if (rw || path.endsWith(":ro")) {
            path = path.substring(0, path.length() - 3);
        }
        try {
            e = e.withDirectory(path, rw);
        } catch (IllegalArgumentException x) {
            throw new CommandException("invalid --dir " + dir + ": " + x.getMessage());
        }
        if (!blank(dirQuota)) {
            if (!rw) {
                throw new CommandException("--dir-quota needs a writable directory: --dir " + path + ":rw");
            }
            try {
                e = e.withDirectoryQuota(ActorLimits.parseSize(dirQuota));
            } catch (IllegalArgumentException x) {
                throw new CommandException("invalid --dir-quota " + dirQuota + ": " + x.getMessage());
            }
        }
        return e;
    }

    private static List<String> list(String text) {
        List<String> items = new ArrayList<>();
        if (text != null) {
            for (String item : text.split(",")) {
                if (!item.trim().isEmpty()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
