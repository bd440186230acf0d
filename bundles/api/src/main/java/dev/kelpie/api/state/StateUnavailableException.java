package dev.kelpie.api.state;

import dev.kelpie.api.KelpieException;

/**
 * A (clustered) store could not be reached in time, or its copy of an actor's state changed underneath an
 * activation (such as a record lost with more members than it had backups). Unlike other failures of
 * {@link StateStore#commitAsync}, whether the changes of a commit failing with it were applied may be
 * unknown, as the message says; the activation that got it is discarded, and the next one opens the
 * state as it is.
 */
public class StateUnavailableException extends KelpieException {
    private static final long serialVersionUID = 1L;

    public StateUnavailableException(String message) {
        super(message);
    }

    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
