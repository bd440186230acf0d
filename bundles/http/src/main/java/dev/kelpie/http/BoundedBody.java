package dev.kelpie.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most {@code maxBytes}: a declared {@code Content-Length} over the cap is refused
 * before anything is read, and the stream is read in small chunks so that a body without a length (chunked)
 * or one longer than it declared is refused as soon as it passes the cap. The host never allocates more
 * than the cap plus one chunk, whatever the client sends or declares.
 */
final class BoundedBody {
    private static final int CHUNK = 8192;

    private BoundedBody() {}

    /** The body was over the cap; nothing of it is used. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;
        private final long maxBytes;

        TooLargeException(String what, long maxBytes, String how) {
            super(what + " is over the limit of " + maxBytes + " bytes (" + how + ")", null, false, false);
            this.maxBytes = maxBytes;
        }

        long maxBytes() {
            return maxBytes;
        }
    }

    /**
     * @param what names the body in the error ({@code "the payload for actor counter:c1"})
     * @param declaredLength the request's Content-Length, or -1 when it has none
     * @throws TooLargeException when the declared or the actual length is over {@code maxBytes}
     */
    static byte[] read(InputStream in, long declaredLength, int maxBytes, String what) throws IOException, TooLargeException {
        if (declaredLength > maxBytes) {
            throw new TooLargeException(what, maxBytes, "Content-Length " + declaredLength);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declaredLength, 0), CHUNK));
        byte[] chunk = new byte[CHUNK];
        long total = 0;
        int n;
        while ((n = in.read(chunk, 0, (int) Math.min(CHUNK, (long) maxBytes - total + 1))) > 0) {
            total += n;
            if (total > maxBytes) {
                throw new TooLargeException(what, maxBytes, "more than " + maxBytes + " bytes sent");
            }
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }
}
