package dev.kelpie.wapc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The deadline's state machine, with the timer's firing forced by calling it directly. */
@Timeout(10)
class CallTimerTest {
    private final CallTimer timer = new CallTimer();

    @AfterEach
    void stop() {
        timer.stop();
        Thread.interrupted();
    }

    @Test
    void noTimeoutNoDeadline() {
        assertThat(timer.start(null)).isNull();
    }

    @Test
    void aDeadlineThatFiredIsReportedAndItsInterruptCleared() {
        CallTimer.Deadline deadline = timer.start(Duration.ofHours(1));
        deadline.run(); // the timer fires while the call runs

        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(deadline.finish()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("cleared for the pooled thread").isFalse();
        assertThat(deadline.finish()).as("idempotent").isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aTimerFiringAfterTheCallFinishedInterruptsNothing() {
        CallTimer.Deadline deadline = timer.start(Duration.ofHours(1));
        assertThat(deadline.finish()).isFalse();

        deadline.run(); // a late timer

        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(deadline.finish()).isFalse();
    }

    @Test
    void theRealTimerInterruptsTheCallingThread() throws InterruptedException {
        CallTimer.Deadline deadline = timer.start(Duration.ofMillis(20));
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!Thread.currentThread().isInterrupted() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(deadline.finish()).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aStoppedTimerRefusesNewDeadlines() {
        timer.stop();
        assertThatThrownBy(() -> timer.start(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("waPC host was stopped");
    }
}
