package dev.kelpie.runtime;

/**
 * Points in the runtime where a test can force an interleaving (package-private; production uses
 * {@link #NONE}, whose methods do nothing).
 */
class TestHooks {
    static final TestHooks NONE = new TestHooks();

    /** A worker put a message back because its type is suspended; it has not yet ended the batch. */
    void heldForSuspension(Activation a) {}

    /** A worker ended a batch and cleared the scheduled flag, before it looks at the mailbox again. */
    void batchEnded(Activation a) {}

    /** {@code send} found the runtime open, before it queues the message. */
    void sendPassedOpenCheck() {}

    /** The watchdog starts a tick (before it checks deadlines). */
    void watchdogTick() {}

    /** A caller claimed an idle actor to run its message on its own thread, before the turn. */
    void callerRunClaimed(Activation a) {}

    /** The watchdog looks at the deadline of an activation that a worker or a caller is running. */
    void deadlineChecked(Activation a) {}
}
