package dev.kelpie.api.deploy;

import dev.kelpie.api.KelpieException;
import java.util.Locale;

/**
 * A deployment failed and changed nothing. The message names the module, the actor type and why:
 * {@code module counter.wasm@a7796b1edeb8 not deployed as type 'counter': it cannot be instantiated: ...}.
 */
public class DeploymentException extends KelpieException {
    private static final long serialVersionUID = 1L;

    /** Why a deployment failed. */
    public enum Reason {
        /** The request itself is wrong: an invalid type or namespace name. */
        INVALID_REQUEST,
        /** The registry rejected the module (size cap, malformed, invalid, compile failure); the cause says why. */
        REJECTED,
        /** The request named a module that is not in the registry. */
        NOT_INSTALLED,
        /** An instance could not be created: imports that cannot be linked, a trap during init, memory. */
        NOT_INSTANTIABLE,
        /** Initialising an instance took longer than the type's invocation timeout. */
        INIT_TIMEOUT,
        /** The same type was deployed or undeployed by someone else while this deployment was being checked. */
        CONFLICT,
        /** The runtime refused the type (it is shutting down, for instance). */
        RUNTIME_REFUSED,
        /** The calling thread was interrupted while the deployment was being checked. */
        INTERRUPTED
    }

    private final String module;
    private final String type;
    private final Reason reason;
    private final String detail;

    /**
     * @param module the module: its label ({@code name@hash12}) when known, else the name it came under
     * @param type the actor type's name
     */
    public DeploymentException(String module, String type, Reason reason, String detail, Throwable cause) {
        super("module " + module + " not deployed as type '" + type + "': " + detail, cause);
        this.module = module;
        this.type = type;
        this.reason = reason;
        this.detail = detail;
    }

    public DeploymentException(String module, String type, Reason reason, String detail) {
        this(module, type, reason, detail, null);
    }

    /** The module's label or name. */
    public String module() {
        return module;
    }

    /** The actor type's name. */
    public String type() {
        return type;
    }

    public Reason reason() {
        return reason;
    }

    /** Why, without the module and type. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return getClass().getName() + " (" + reason.name().toLowerCase(Locale.ROOT) + "): " + getMessage();
    }
}
