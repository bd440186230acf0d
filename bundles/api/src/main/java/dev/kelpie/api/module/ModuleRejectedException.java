package dev.kelpie.api.module;

import dev.kelpie.api.KelpieException;

/** A module could not be installed; nothing was registered. The message names the module and why. */
public class ModuleRejectedException extends KelpieException {
    private static final long serialVersionUID = 1L;

    /** Why a module was rejected. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** Over the configured size cap. */
        TOO_LARGE,
        /** Not a WebAssembly binary, or truncated or malformed. */
        MALFORMED,
        /** Well-formed but fails validation. */
        INVALID,
        /** Chicory could not compile it. */
        COMPILE_FAILED,
        /** The bytes could not be read from their source. */
        UNREADABLE
    }

    private final String moduleName;
    private final Reason reason;
    private final String detail;

    public ModuleRejectedException(String moduleName, Reason reason, String detail, Throwable cause) {
        super("module '" + moduleName + "' rejected (" + reason.name().toLowerCase(java.util.Locale.ROOT)
                + "): " + detail, cause);
        this.moduleName = moduleName;
        this.reason = reason;
        this.detail = detail;
    }

    public ModuleRejectedException(String moduleName, Reason reason, String detail) {
        this(moduleName, reason, detail, null);
    }

    public String moduleName() {
        return moduleName;
    }

    public Reason reason() {
        return reason;
    }

    /** What was wrong, without the module name and reason. */
    public String detail() {
        return detail;
    }
}
