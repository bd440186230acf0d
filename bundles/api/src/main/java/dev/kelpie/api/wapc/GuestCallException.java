package dev.kelpie.api.wapc;

import dev.kelpie.api.KelpieException;

/** A call into a guest failed. The message names module, instance, operation and cause. */
public class GuestCallException extends KelpieException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The guest answered with {@code __guest_error} or returned 0. The instance stays usable. */
        GUEST_ERROR,
        /** The guest trapped (unreachable, out-of-bounds access, stack overflow...). Instance closed. */
        TRAP,
        /** The guest passed a pointer or length outside its memory, or broke the waPC protocol. */
        ABI_VIOLATION,
        /** The call's thread was interrupted (timeout or cancel). Instance closed. */
        INTERRUPTED,
        /** The instance was closed before or during the call. */
        CLOSED,
        /** The call was refused before reaching the guest (bad operation name, re-entrant call). */
        REFUSED
    }

    private final Kind kind;
    private final String moduleLabel;
    private final String instanceLabel;
    private final String operation;
    private final String detail;

    public GuestCallException(
            Kind kind, String moduleLabel, String instanceLabel, String operation, String detail, Throwable cause) {
        super(describe(kind) + " in module " + moduleLabel + ", instance '" + instanceLabel + "', operation '"
                + operation + "': " + detail, cause);
        this.kind = kind;
        this.moduleLabel = moduleLabel;
        this.instanceLabel = instanceLabel;
        this.operation = operation;
        this.detail = detail;
    }

    private static String describe(Kind kind) {
        switch (kind) {
            case GUEST_ERROR: return "guest error";
            case TRAP: return "guest trapped";
            case ABI_VIOLATION: return "waPC ABI violation";
            case INTERRUPTED: return "guest interrupted";
            case CLOSED: return "instance closed";
            default: return "call refused";
        }
    }

    public Kind kind() {
        return kind;
    }

    public String moduleLabel() {
        return moduleLabel;
    }

    public String instanceLabel() {
        return instanceLabel;
    }

    public String operation() {
        return operation;
    }

    /** The cause alone: the guest's error text, the trap, or the violated rule. */
    public String detail() {
        return detail;
    }
}
