package dev.kelpie.api.actor;

/** The actor's mailbox held its limit of messages; this one was not queued and nothing was dropped. */
public class MailboxFullException extends ActorInvocationException {
    private static final long serialVersionUID = 1L;
    private final int capacity;

    public MailboxFullException(ActorId actor, String operation, int capacity) {
        super(actor, operation, Reason.MAILBOX_FULL, "mailbox full (" + capacity + " messages waiting, the limit)");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
