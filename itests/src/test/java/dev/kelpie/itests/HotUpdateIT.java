package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorRef;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/**
 * Updating a module bundle while messages flow: the counter bundle (v1) is replaced by counter-v2 with
 * {@code Bundle.update} while a sender keeps incrementing one actor. No message is lost or run twice, and
 * the count carries over.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotUpdateIT extends KelpieTestSupport {
    static final int MESSAGES = 2000;
    /** Messages in flight at most, so that sending spans the update instead of finishing before it. */
    static final int IN_FLIGHT = 128;
    static final int BEFORE = 7;

    @Test
    public void updateWhileMessagesFlow() throws Exception {
        Bundle counter = installAndStart(COUNTER_JAR);
        await("actor type 'counter' deployed", () -> typeDeployed("counter"));
        ActorRef actor = runtime.ref("counter", "hot");
        for (int i = 1; i <= BEFORE; i++) {
            assertEquals(String.valueOf(i), call("counter", "hot", "increment", ""));
        }
        assertEquals("1", call("counter", "hot", "version", ""));

        List<CompletableFuture<byte[]>> futures = new ArrayList<>(MESSAGES);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Semaphore window = new Semaphore(IN_FLIGHT);
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < MESSAGES; i++) {
                    if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("no answer for 30 s with " + IN_FLIGHT + " messages in flight");
                    }
                    CompletableFuture<byte[]> f = actor.invoke("increment", new byte[0]).toCompletableFuture();
                    f.whenComplete((r, e) -> {
                        answered.incrementAndGet();
                        window.release();
                    });
                    synchronized (futures) {
                        futures.add(f);
                    }
                    sent.incrementAndGet();
                }
            } catch (Throwable e) {
                senderFailure.set(e);
            }
        }, "itest-sender");
        sender.start();

        await("a quarter of the messages sent before the update", () -> sent.get() >= MESSAGES / 4 || !sender.isAlive());
        int sentBeforeUpdate = sent.get();
        int inFlightAtUpdate = sentBeforeUpdate - answered.get();
        try (InputStream v2 = new FileInputStream(file(COUNTER_V2_JAR))) {
            counter.update(v2);
        }
        int sentAfterUpdate = sent.get();
        assertEquals(new Version(2, 0, 0), counter.getVersion());
        assertEquals(Bundle.ACTIVE, counter.getState());

        sender.join(60_000);
        assertTrue("the sender finished", !sender.isAlive());
        if (senderFailure.get() != null) {
            throw new AssertionError("sender failed", senderFailure.get());
        }
        assertTrue("messages were still being sent when the update started (" + sentBeforeUpdate + " of " + MESSAGES + ")",
                sentBeforeUpdate < MESSAGES);
        assertTrue("messages were still being sent after the update (" + sentAfterUpdate + " of " + MESSAGES + " by its end)",
                sentAfterUpdate < MESSAGES);
        assertEquals(MESSAGES, futures.size());

        // Every message is answered: count successes and failures (a failure must say why).
        int succeeded = 0;
        Map<String, Integer> failures = new TreeMap<>();
        TreeSet<Long> answers = new TreeSet<>();
        for (CompletableFuture<byte[]> f : futures) {
            try {
                answers.add(Long.parseLong(text(f.get(30, TimeUnit.SECONDS))));
                succeeded++;
            } catch (ExecutionException e) {
                failures.merge(String.valueOf(e.getCause()), 1, Integer::sum);
            } catch (TimeoutException e) {
                failures.merge("no answer within 30 s", 1, Integer::sum);
            }
        }
        assertEquals("succeeded + failed == sent", MESSAGES, succeeded + failures.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue("no message lost to the update; failures: " + failures, failures.isEmpty());
        // No increment ran twice and none was skipped: the answers are exactly BEFORE+1 .. BEFORE+MESSAGES.
        assertEquals("distinct answers", succeeded, answers.size());
        assertEquals(Long.valueOf(BEFORE + 1), answers.first());
        assertEquals(Long.valueOf(BEFORE + succeeded), answers.last());

        // The state carried over and every successful increment counted once; the new code answers.
        assertEquals(String.valueOf(BEFORE + succeeded), call("counter", "hot", "get", ""));
        assertEquals("2", call("counter", "hot", "version", ""));
        System.out.println("HotUpdateIT: " + MESSAGES + " increments, " + sentBeforeUpdate + " sent before the update (" + inFlightAtUpdate
                + " of them unanswered when it began), " + sentAfterUpdate + " by its end, " + succeeded + " succeeded");
    }
}
