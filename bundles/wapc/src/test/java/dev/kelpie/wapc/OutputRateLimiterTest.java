package dev.kelpie.wapc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token buckets on a hand-driven clock. */
class OutputRateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final AtomicInteger notices = new AtomicInteger();

    private OutputRateLimiter limiter(int lines, int bytes) {
        return new OutputRateLimiter(lines, bytes, notices::incrementAndGet, now::get);
    }

    @Test
    void aBurstOfTwoSecondsThenTheRate() {
        OutputRateLimiter limiter = limiter(100, 0);
        for (int i = 0; i < 200; i++) {
            assertThat(limiter.tryEmit(10)).isTrue();
        }
        assertThat(limiter.tryEmit(10)).isFalse();
        assertThat(limiter.tryEmit(10)).isFalse();
        assertThat(limiter.droppedLines()).isEqualTo(2);
        assertThat(notices).as("once").hasValue(1);

        now.addAndGet(500_000_000L); // half a second: 50 lines
        int passed = 0;
        while (limiter.tryEmit(10)) {
            passed++;
        }
        assertThat(passed).isEqualTo(50);
        now.addAndGet(60_000_000_000L); // a minute: the bucket is full again, not fuller
        passed = 0;
        while (limiter.tryEmit(10)) {
            passed++;
        }
        assertThat(passed).isEqualTo(200);
        assertThat(notices).hasValue(1);
    }

    @Test
    void bytesAreLimitedToo() {
        OutputRateLimiter limiter = limiter(0, 1000);
        assertThat(limiter.maxLineBytes()).isEqualTo(2000);
        assertThat(limiter.tryEmit(1500)).isTrue();
        assertThat(limiter.tryEmit(600)).isFalse();
        assertThat(limiter.tryEmit(500)).isTrue();
        now.addAndGet(2_000_000_000L); // two seconds refill the whole bucket
        assertThat(limiter.tryEmit(1_000_000)).as("costs a full bucket at most").isTrue();
        assertThat(limiter.tryEmit(1)).isFalse();
        assertThat(limiter.droppedLines()).isEqualTo(2);
    }

    @Test
    void aClockGoingBackwardsAddsNothing() {
        OutputRateLimiter limiter = limiter(1, 0);
        assertThat(limiter.tryEmit(1)).isTrue();
        assertThat(limiter.tryEmit(1)).isTrue();
        now.addAndGet(-5_000_000_000L);
        assertThat(limiter.tryEmit(1)).isFalse();
    }
}
