package dev.kelpie.http;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.module.ModuleRejectedException;
import java.util.Locale;

/**
 * A failed request: the HTTP status, a reason word ({@code mailbox_full}, {@code unknown_type},
 * {@code payload_too_large}, ...) and a one-line message, sent as {@code {"error": message, "reason": reason}}
 * plus the actor and operation when an invocation failed.
 */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;
    private final String actor;
    private final String operation;
    private final String allow;

    HttpError(int status, String reason, String message, String actor, String operation) {
        this(status, reason, message, actor, operation, null);
    }

    private HttpError(int status, String reason, String message, String actor, String operation, String allow) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
        this.actor = actor;
        this.operation = operation;
        this.allow = allow;
    }

    HttpError(int status, String reason, String message) {
        this(status, reason, message, null, null);
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    /** The actor as {@code type:id}, or null when the request named none. */
    String actor() {
        return actor;
    }

    /** The operation, or null when the request named none. */
    String operation() {
        return operation;
    }

    /** The value of the {@code Allow} header of a 405, else null. */
    String allow() {
        return allow;
    }

    static HttpError methodNotAllowed(String method, String... allowed) {
        String list = String.join(", ", allowed);
        return new HttpError(405, "method_not_allowed", "method " + method + " is not allowed here; allowed: " + list,
                null, null, list);
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, "bad_request", message);
    }

    static HttpError notFound(String message) {
        return new HttpError(404, "not_found", message);
    }

    /**
     * The status of a failed invocation: 400 bad operation, 404 unknown type, 413 payload too large, 429
     * mailbox full, 504 timeout, 503 shut down, out of a runtime-wide resource or the actor's cluster member unavailable, 500 the actor's error, a
     * trap, a failed activation or a call cycle.
     */
    static HttpError of(ActorInvocationException e) {
        int status;
        switch (e.reason()) {
            case BAD_OPERATION: status = 400; break;
            case UNKNOWN_TYPE: status = 404; break;
            case PAYLOAD_TOO_LARGE: status = 413; break;
            case MAILBOX_FULL: status = 429; break;
            case TIMEOUT: status = 504; break;
            case SHUT_DOWN:
            case UNAVAILABLE:
            case RESOURCE_EXHAUSTED: status = 503; break;
            default: status = 500; // ACTOR_ERROR, TRAP, ACTIVATION_FAILED, CALL_CYCLE
        }
        ActorId actor = e.actor();
        return new HttpError(status, word(e.reason()), e.getMessage(), actor == null ? null : actor.toString(),
                e.operation());
    }

    /**
     * The status of a failed deployment: 400 a bad request, 413 a module over the size cap, 422 a module the
     * registry rejects or that cannot be instantiated, 409 a concurrent change of the same type, 503 the
     * runtime refused (shutting down) or the request was interrupted.
     */
    static HttpError of(DeploymentException e) {
        int status;
        String reason = word(e.reason());
        String message = e.getMessage();
        switch (e.reason()) {
            case INVALID_REQUEST: status = 400; break;
            case NOT_INSTALLED: status = 404; break;
            case CONFLICT: status = 409; break;
            case RUNTIME_REFUSED:
            case INTERRUPTED: status = 503; break;
            case REJECTED:
                status = 422;
                if (e.getCause() instanceof ModuleRejectedException) {
                    ModuleRejectedException r = (ModuleRejectedException) e.getCause();
                    status = r.reason() == ModuleRejectedException.Reason.TOO_LARGE ? 413 : 422;
                    reason = word(r.reason());
                    message = r.getMessage(); // the registry's words, as the shell prints them
                }
                break;
            default: status = 422; // NOT_INSTANTIABLE, INIT_TIMEOUT
        }
        return new HttpError(status, reason, message);
    }

    private static String word(Enum<?> reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }
}
