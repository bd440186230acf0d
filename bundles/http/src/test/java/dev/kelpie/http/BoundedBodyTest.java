package dev.kelpie.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
    @Test
    void readsABodyUpToTheCap() throws Exception {
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[100]), 100, 100, "body")).hasSize(100);
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[100]), -1, 100, "body")).hasSize(100);
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[0]), -1, 0, "body")).isEmpty();
    }

    @Test
    void aDeclaredLengthOverTheCapIsRefusedBeforeReading() {
        AtomicLong read = new AtomicLong();
        InputStream in = counting(new ByteArrayInputStream(new byte[10]), read);
        assertThatThrownBy(() -> BoundedBody.read(in, 1L << 40, 100, "the payload"))
                .isInstanceOf(BoundedBody.TooLargeException.class)
                .hasMessage("the payload is over the limit of 100 bytes (Content-Length 1099511627776)");
        assertThat(read).hasValue(0);
    }

    @Test
    void anUndeclaredOrUnderstatedBodyStopsOneByteAfterTheCap() {
        AtomicLong read = new AtomicLong();
        InputStream endless = counting(new InputStream() {
            @Override
            public int read() {
                return 7;
            }
        }, read);
        assertThatThrownBy(() -> BoundedBody.read(endless, 10, 100_000, "the module"))
                .isInstanceOf(BoundedBody.TooLargeException.class)
                .hasMessageContaining("more than 100000 bytes sent");
        assertThat(read.get()).isEqualTo(100_001);
        assertThatThrownBy(() -> BoundedBody.read(new ByteArrayInputStream(new byte[1]), -1, 0, "x"))
                .isInstanceOf(BoundedBody.TooLargeException.class);
    }

    private static InputStream counting(InputStream in, AtomicLong count) {
        return new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                int b = in.read();
                if (b >= 0) {
                    count.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    count.addAndGet(n);
                }
                return n;
            }
        };
    }
}
