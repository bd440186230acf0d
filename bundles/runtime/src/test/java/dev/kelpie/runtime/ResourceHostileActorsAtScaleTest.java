package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.store.InMemoryStateStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hundred actors at once that go for the host's heap rather than its CPU: memory grown to the per-actor
 * cap, buffers larger than the payload limit handed to the host (responses, errors, console lines,
 * host-call payloads), output floods through the console and the log host function, and tables grown
 * past the cap or declared too big. Each is refused at its limit before the host allocates; the heap
 * stays far below what the guests asked for; a healthy actor answers within seconds.
 */
@Timeout(180)
class ResourceHostileActorsAtScaleTest {
    private static final long BUDGET = 256L << 20;
    private final RuntimeFixture fixture = new RuntimeFixture(new InMemoryStateStore(),
            RuntimeSettings.DEFAULTS.withWorkers(2).withShutdownGrace(Duration.ofMillis(500)).withMaxTotalMemoryBytes(BUDGET));
    private final KelpieActorRuntime runtime = fixture.runtime;

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** One hostile message: the type, and the operation and payload that make it hostile. */
    private record Attack(String type, String operation, int payloadBytes) {}

    @Test
    void aHundredActorsAfterTheHeapAreEachStoppedAtTheirLimit() throws Exception {
        ActorLimits limits = ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(10));
        for (String module : new String[] {"memory-grow", "huge-buffers", "output-flood", "table-grow", "big-table"}) {
            fixture.deployWasm(module, RuntimeFixture.module("/wasm/wat/" + module + ".wasm"), limits);
        }
        runtime.deploy(ActorType.nativeType("healthy", () -> (ctx, op, payload) -> "fine".getBytes(UTF_8)));
        Attack[] kinds = {
            new Attack("memory-grow", "g", 4000),   // 250 MiB each: 100 of them would be 25 GiB
            new Attack("huge-buffers", "rr", 0),    // (grown to 4 MiB first) hand it all over as the response,
            new Attack("huge-buffers", "eee", 0),   //   as an error,
            new Attack("huge-buffers", "llll", 0),  //   as a console line,
            new Attack("huge-buffers", "hhhhh", 0), //   as a host-call payload
            new Attack("output-flood", "c", 20_000), // console lines in a tight loop
            new Attack("output-flood", "lg", 20_000), // kelpie/log/info in a tight loop
            new Attack("table-grow", "t", 2),       // 131,072 more table entries
            new Attack("big-table", "t", 0),        // a table of 1,000,000 entries
        };
        for (int i = 0; i < 100 / kinds.length + 1; i++) { // 4 MiB of memory for each huge-buffers actor
            assertThat(runtime.ref("huge-buffers", "h" + i).call("g", new byte[64])).asString(UTF_8).isEqualTo("grown");
        }
        long heapBefore = heapUsedAfterGc();
        resetPeaks();
        List<CompletableFuture<byte[]>> attacks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Attack a = kinds[i % kinds.length];
            String id = "h" + (i / kinds.length);
            attacks.add(runtime.ref(a.type(), id).invoke(a.operation(), new byte[a.payloadBytes()]).toCompletableFuture());
        }

        long start = System.nanoTime();
        byte[] answer = runtime.ref("healthy", "ok").invoke("hi", null).toCompletableFuture().get(30, TimeUnit.SECONDS);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("ResourceHostileActorsAtScaleTest: the healthy actor waited " + waitedMillis + " ms");
        assertThat(answer).asString(UTF_8).isEqualTo("fine");
        assertThat(waitedMillis).as("the healthy actor waited").isLessThan(10_000);

        int refusedGrowths = 0;
        for (int i = 0; i < attacks.size(); i++) {
            Attack a = kinds[i % kinds.length];
            String outcome = outcome(attacks.get(i));
            switch (a.operation()) {
                case "rr", "eee" -> assertThat(outcome).as(a.toString()).contains("over the payload limit", "nothing was copied");
                case "hhhhh" -> assertThat(outcome).as(a.toString()).isEqualTo("host error");
                case "t" -> {
                    if (a.type().equals("big-table")) {
                        assertThat(outcome).as(a.toString()).contains("ACTIVATION_FAILED", "cap of 100000 entries");
                    } else {
                        assertThat(littleEndian(outcome)).as(a.toString()).isEqualTo(-1);
                    }
                }
                case "g" -> {
                    if (littleEndian(outcome) == -1) {
                        refusedGrowths++;
                    }
                }
                default -> assertThat(outcome).as(a.toString()).doesNotContain("internal failure");
            }
        }
        // 11 actors asked for 250 MiB each against a budget of 256 MiB: at most one could have it
        assertThat(refusedGrowths).as("memory growths refused by the shared budget").isGreaterThanOrEqualTo(10);
        assertThat(runtime.stats("output-flood").orElseThrow().droppedOutputLines()).as("flood lines dropped")
                .isGreaterThan(100_000);
        long peakGrowth = peakHeapUsed() - heapBefore;
        System.out.println("ResourceHostileActorsAtScaleTest: heap peak grew by " + (peakGrowth >> 20) + " MiB");
        // the guests asked for well over 2.5 GiB of memory and tables and 20 MiB of buffers
        assertThat(peakGrowth).as("heap growth at peak").isLessThan(BUDGET + (512L << 20));
        assertThat(runtime.ref("healthy", "ok").invoke("again", null).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .asString(UTF_8).isEqualTo("fine");
    }

    private static String outcome(CompletableFuture<byte[]> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            return new String(f.get(60, TimeUnit.SECONDS), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            return c instanceof ActorInvocationException ? ((ActorInvocationException) c).reason() + ": " + c.getMessage()
                    : "internal failure: " + c;
        }
    }

    private static int littleEndian(String fourBytes) {
        byte[] b = fourBytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(b).as("a 4-byte answer, got '%s'", fourBytes).hasSize(4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeapUsed() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
