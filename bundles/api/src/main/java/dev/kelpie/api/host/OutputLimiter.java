package dev.kelpie.api.host;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Paces the output lines of one guest instance: its {@code __console_log} lines and the lines host
 * functions write for it (such as {@code kelpie/log/*}). A line that finds no allowance is dropped and
 * counted; the host reports the first drop of an instance once. Thread-safe.
 */
@ProviderType
public interface OutputLimiter {

    /** Lets everything through and counts nothing. */
    OutputLimiter UNLIMITED = new OutputLimiter() {
        @Override
        public boolean tryEmit(long bytes) {
            return true;
        }

        @Override
        public long droppedLines() {
            return 0;
        }
    };

    /**
     * Asks to write one line of {@code bytes} bytes.
     *
     * @return true when the line may be written now; false when it must be dropped (it is counted)
     */
    boolean tryEmit(long bytes);

    /** Lines dropped so far. */
    long droppedLines();
}
