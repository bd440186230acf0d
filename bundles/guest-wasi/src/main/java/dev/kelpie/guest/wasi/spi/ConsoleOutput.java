package dev.kelpie.guest.wasi.spi;

import com.dylibso.chicory.runtime.Memory;
import dev.kelpie.api.wasm.GuestContext;
import java.nio.charset.StandardCharsets;

/**
 * Turns one instance's stdout and stderr bytes into console lines: split at {@code \n}, each line cut at
 * {@link WasiSettings#maxLineBytes()}. Guest bytes are scanned in chunks straight from memory, so a huge
 * write never makes the host copy more than one chunk at a time. How many lines a second reach the log
 * is the waPC host's business: the console it hands adapters ({@link GuestContext#console()}) paces each
 * instance's output (lines and bytes per second) and counts what it drops.
 */
final class ConsoleOutput {
    private static final int CHUNK = 4096;
    private static final int INITIAL_LINE_BYTES = 256;
    private static final String CUT = "…(truncated)";

    private final GuestContext context;
    private final int maxLineBytes;
    final Stream stdout;
    final Stream stderr;

    ConsoleOutput(GuestContext context, WasiSettings settings) {
        this.context = context;
        this.maxLineBytes = settings.maxLineBytes();
        // after maxLineBytes is set: the streams' buffers grow up to it
        this.stdout = new Stream("");
        this.stderr = new Stream("stderr: ");
    }

    /** Writes out unfinished lines. */
    synchronized void flush() {
        stdout.endLine();
        stderr.endLine();
    }

    /** One output stream's unfinished line. */
    final class Stream {
        private final String prefix;
        /** Grown on demand up to maxLineBytes, dropped after a long line: idle instances hold no buffer. */
        private byte[] line;
        private int length;
        private boolean cut;
        private boolean open;

        private Stream(String prefix) {
            this.prefix = prefix;
        }

        /** Consumes {@code len} bytes of guest memory at {@code ptr}; the range must be in bounds. */
        void write(Memory memory, int ptr, int len) {
            synchronized (ConsoleOutput.this) {
                int done = 0;
                while (done < len) {
                    int n = Math.min(CHUNK, len - done);
                    byte[] chunk = memory.readBytes(ptr + done, n);
                    accept(chunk, n);
                    done += n;
                }
            }
        }

        /** Consumes bytes given by the host (tests, adapters that produce output themselves). */
        void write(byte[] bytes) {
            synchronized (ConsoleOutput.this) {
                accept(bytes, bytes.length);
            }
        }

        private void accept(byte[] bytes, int n) {
            for (int i = 0; i < n; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    open = true;
                    endLine();
                } else if (length < maxLineBytes) {
                    if (line == null || length == line.length) {
                        grow();
                    }
                    line[length++] = b;
                    open = true;
                } else {
                    cut = true;
                }
            }
        }

        private void grow() {
            int size = line == null ? Math.min(INITIAL_LINE_BYTES, maxLineBytes) : Math.min(line.length * 2, maxLineBytes);
            byte[] bigger = new byte[size];
            if (line != null) {
                System.arraycopy(line, 0, bigger, 0, length);
            }
            line = bigger;
        }

        private void endLine() {
            if (!open) {
                return;
            }
            int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            String text = end == 0 ? "" : new String(line, 0, end, StandardCharsets.UTF_8);
            context.log(prefix + (cut ? text + CUT : text));
            length = 0;
            cut = false;
            open = false;
            if (line != null && line.length > INITIAL_LINE_BYTES) {
                line = null;
            }
        }
    }
}
