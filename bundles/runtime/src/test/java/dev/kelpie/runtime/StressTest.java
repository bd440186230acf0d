package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.Actor;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorInvocationException.Reason;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many rounds of suspend/redeploy, deactivation, passivation, undeploy and finally shutdown, all under
 * concurrent load: no message may be lost (every future completes), run twice, or run and then be
 * reported as not run. The suite runs a few rounds ({@code -Dkelpie.stress.iterations}, 8 by default);
 * {@code mvn -Pstress ...} runs many.
 */
@Timeout(3600)
class StressTest {
    private static final int ROUNDS = Integer.getInteger("kelpie.stress.iterations", 8);
    private static final int ACTORS = 8;
    private static final int SENDERS = 3;

    @Test
    void updatesPassivationAndShutdownUnderLoadLoseNoMessageAndRunNoneTwice() throws Exception {
        long sent = 0;
        for (int round = 0; round < ROUNDS; round++) {
            sent += round(round);
        }
        System.out.println("StressTest: " + ROUNDS + " rounds, " + sent + " messages checked");
    }

    private long round(int round) throws Exception {
        Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
        Supplier<Actor> code = () -> (ctx, op, payload) -> {
            long id = Long.parseLong(new String(payload, UTF_8));
            runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (id % 97 == 0) {
                Thread.sleep(1); // now and then a slower turn, so that suspensions find turns in flight
            }
            return payload;
        };
        RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(), RuntimeSettings.DEFAULTS.withWorkers(2)
                .withMaxActiveActors(ACTORS / 2).withShutdownGrace(Duration.ofMillis(ThreadLocalRandom.current().nextInt(0, 50))));
        KelpieActorRuntime runtime = fixture.runtime;
        runtime.deploy(ActorType.nativeType("s", code));
        ConcurrentLinkedQueue<Object[]> outcomes = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> senderFailures = new ConcurrentLinkedQueue<>();
        AtomicLong ids = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Semaphore inFlight = new Semaphore(256); // keeps the load concurrent but the round's message count modest
        List<Thread> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    long id = ids.incrementAndGet();
                    ActorId target = new ActorId("s", "a" + (id % ACTORS));
                    CompletableFuture<byte[]> f;
                    try {
                        f = runtime.ref(target).invoke("m", Long.toString(id).getBytes(UTF_8)).toCompletableFuture();
                    } catch (RuntimeException e) {
                        senderFailures.add(e); // a send must fail its future, never throw
                        inFlight.release();
                        continue;
                    }
                    outcomes.add(new Object[] {id, f});
                    f.whenComplete((r, x) -> inFlight.release());
                }
            }, "stress-sender-" + s);
            t.start();
            senders.add(t);
        }
        try {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (System.nanoTime() < until) {
                switch (ThreadLocalRandom.current().nextInt(5)) {
                    case 0:
                        long suspending = System.nanoTime();
                        runtime.suspend("s");
                        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - suspending))
                                .as("round %d: suspend waited for its actors to passivate", round).isLessThan(5_000);
                        Thread.sleep(ThreadLocalRandom.current().nextInt(3));
                        runtime.deploy(ActorType.nativeType("s", code));
                        break;
                    case 1:
                        runtime.deactivate(new ActorId("s", "a" + ThreadLocalRandom.current().nextInt(ACTORS)));
                        break;
                    case 2:
                        runtime.deploy(ActorType.nativeType("s", code)); // hot swap without suspension
                        break;
                    case 3:
                        if (ThreadLocalRandom.current().nextInt(10) == 0) {
                            runtime.undeploy("s");
                            runtime.deploy(ActorType.nativeType("s", code));
                        }
                        break;
                    default:
                        // listings read what the workers change
                        assertThat(runtime.actors().size()).isLessThanOrEqualTo(ACTORS);
                        assertThat(runtime.stats()).hasSizeLessThanOrEqualTo(1);
                        Thread.sleep(1);
                }
            }
        } finally {
            fixture.close(); // shutdown while the senders still send
            stop.set(true);
            for (Thread t : senders) {
                t.join(10_000);
                assertThat(t.isAlive()).as("sender %s stopped", t.getName()).isFalse();
            }
        }
        assertThat(senderFailures).as("round %d: sends that threw", round).isEmpty();
        long checked = 0;
        for (Object[] o : outcomes) {
            long id = (Long) o[0];
            @SuppressWarnings("unchecked")
            CompletableFuture<byte[]> f = (CompletableFuture<byte[]>) o[1];
            AtomicInteger ran = runs.get(id);
            int times = ran == null ? 0 : ran.get();
            try {
                byte[] answer = f.get(10, TimeUnit.SECONDS);
                assertThat(new String(answer, UTF_8)).isEqualTo(Long.toString(id));
                assertThat(times).as("round %d: message %d answered, so it ran exactly once", round, id).isEqualTo(1);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ActorInvocationException.class);
                Reason reason = ((ActorInvocationException) e.getCause()).reason();
                assertThat(reason).as("round %d: message %d: %s", round, id, e.getCause().getMessage())
                        .isIn(Reason.SHUT_DOWN, Reason.UNKNOWN_TYPE, Reason.MAILBOX_FULL);
                assertThat(times).as("round %d: message %d failed with %s, so it never ran", round, id, reason).isZero();
            }
            checked++;
        }
        return checked;
    }
}
