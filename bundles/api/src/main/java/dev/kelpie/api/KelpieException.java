package dev.kelpie.api;

/**
 * Base of every failure Kelpie reports. Messages name what was wrong: the module, operation, actor or
 * limit involved, so that one line is enough to act on.
 */
public class KelpieException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KelpieException(String message) {
        super(message);
    }

    public KelpieException(String message, Throwable cause) {
        super(message, cause);
    }
}
