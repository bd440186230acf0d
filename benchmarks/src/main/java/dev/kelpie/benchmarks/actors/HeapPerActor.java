package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.benchmarks.Guests;
import dev.kelpie.store.InMemoryStateStore;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Heap held per idle active WASM actor, and how much of it is not the actor's linear memory (not a JMH
 * benchmark: JMH measures time, not what stays reachable).
 *
 * <p>Two cases in one JVM, each from a settled heap (repeated {@code System.gc()}) to a settled heap:
 * <ol>
 *   <li>{@code bare}: N testbed instances from {@code ChicoryWapcHost.instantiate} (the runtime's memory
 *       cap), one echo each, held in an array: the waPC instance alone, the same-run baseline;</li>
 *   <li>{@code actor}: N testbed actors activated in a {@code KelpieActorRuntime} (in-memory store) by
 *       one echo each, then left idle: instance plus the runtime's directory entry, activation, mailbox.</li>
 *   <li>{@code passive}: the same actors passivated again (each a known actor whose state would stay in
 *       the store, with nothing active): what the runtime keeps per passivated actor;</li>
 *   <li>{@code actor2M}: N actors of the same module deployed with a 2 MiB memory cap instead of the
 *       default 256 MiB: Chicory's page table is sized by the cap (4 bytes a page), so this shows what
 *       the cap costs per active actor.</li>
 * </ol>
 * For each: (after - before) / N is the heap one holds; the linear memory is the sum of the pages
 * reported ({@code runtime.actors()}'s {@code memoryPages}, or the instances' {@code memoryPages()}) times
 * 64 KiB / N; the difference is the overhead beyond linear memory. Since Kelpie's {@code PagedMemory} shares
 * the pages an instance has not written (the memory image's, the zero page), the pages each instance holds
 * of its own are counted too (on the bare instances, by reflection), and the overhead beyond them printed. The heap is also read (settled) after
 * the first N/2, and the same figure over the second half alone is printed too: it leaves out one-off
 * allocations that come with the first items. The runtime's own share per actor is actor minus bare.
 *
 * <p>Run: {@code java -Xms3g -Xmx3g -cp benchmarks/target/benchmarks.jar
 * dev.kelpie.benchmarks.actors.HeapPerActor [N]} (default N=1000; the testbed's 17 pages make 1000
 * actors about 1.06 GiB of linear memory).
 */
public final class HeapPerActor {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final long PAGE = 65536;

    private HeapPerActor() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
                .collect(Collectors.joining(", "));
        System.out.printf(Locale.ROOT, "# Heap per idle active actor, N=%d, JDK %s, %s, GC %s, max heap %d MiB, "
                + "JVM args %s%n", n, System.getProperty("java.version"),
                ManagementFactory.getRuntimeMXBean().getVmName(), gcs, Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        byte[] payload = ActorBench.payload(64);

        try (ActorBench bench = new ActorBench(new InMemoryStateStore(),
                ActorBench.settings().withMaxActiveActors(Math.max(100_000, 2 * n)))) {
            CompiledModule compiled = bench.deploy("testbed", ActorBench.TESTBED);
            InstanceOptions options = InstanceOptions.labelled("bare").withMaxMemoryBytes(ActorBench.LIMITS.maxMemoryBytes());

            // warm up both paths once: class loading, the runtime's pool threads, the stats recorder
            try (WapcInstance warm = bench.host.instantiate(compiled, options)) {
                warm.invoke("echo", payload);
            }
            ActorRef warmActor = bench.runtime.ref("testbed", "warm");
            ActorBench.checkEcho(warmActor, payload);
            Guests.check(bench.runtime.deactivate(warmActor.id()).toCompletableFuture().get(), "warm-up actor passivated");
            waitUntil(() -> bench.runtime.activeActors() == 0);

            System.out.printf(Locale.ROOT, "%-8s %6s %14s %14s %16s %18s %14s%n", "case", "pages", "linear B/each",
                    "total B/each", "beyond linear B", "beyond, 2nd half", "delta MiB");

            // 1. bare waPC instances
            WapcInstance[] bare = new WapcInstance[n];
            long before = settledHeap();
            long mid = 0;
            for (int i = 0; i < n; i++) {
                if (i == n / 2) {
                    mid = settledHeap();
                }
                bare[i] = bench.host.instantiate(compiled, options);
                bare[i].invoke("echo", payload);
            }
            long after = settledHeap();
            long barePages = 0;
            for (WapcInstance i : bare) {
                barePages += i.memoryPages();
            }
            long bareOwn = 0;
            for (WapcInstance i : bare) {
                bareOwn += ownBytes(i);
            }
            double[] bareBeyond = report("bare", n, barePages, before, mid, after);
            for (WapcInstance i : bare) {
                i.close();
            }
            bare = null;

            // 2. idle active actors, activated in two halves (pipelined within each half)
            before = settledHeap();
            mid = activate(bench, "testbed", 0, n / 2, payload);
            after = activate(bench, "testbed", n / 2, n, payload);
            List<ActiveActor> actors = bench.runtime.actors();
            Guests.check(actors.size() == n, n + " actors active, found " + actors.size());
            long actorPages = actors.stream().mapToLong(ActiveActor::memoryPages).sum();
            double[] actorBeyond = report("actor", n, actorPages, before, mid, after);
            actors = null;
            if (Boolean.getBoolean("heap.histogram")) {
                printHistogram(n);
            }

            // 3. the same actors passivated: known, inactive
            @SuppressWarnings("unchecked")
            CompletableFuture<Boolean>[] off = new CompletableFuture[n];
            for (int i = 0; i < n; i++) {
                off[i] = bench.runtime.deactivate(bench.runtime.ref("testbed", "h" + i).id()).toCompletableFuture();
            }
            CompletableFuture.allOf(off).get();
            waitUntil(() -> bench.runtime.activeActors() == 0);
            long passive = settledHeap();
            System.out.printf(Locale.ROOT, "%-8s %6s %14s %14.0f %16s %18s %14.1f%n", "passive", "0", "0",
                    (double) (passive - before) / n, "-", "-", (passive - before) / 1048576.0);

            // 4. active actors of a type with a 2 MiB memory cap (Chicory's page table follows the cap)
            bench.runtime.deploy(dev.kelpie.api.actor.ActorType.wasm("testbed2m", compiled.descriptor().hash(),
                    ActorBench.LIMITS.withMaxMemoryBytes(2L << 20)));
            before = settledHeap();
            mid = activate(bench, "testbed2m", 0, n / 2, payload);
            after = activate(bench, "testbed2m", n / 2, n, payload);
            long smallPages = bench.runtime.actors().stream().mapToLong(ActiveActor::memoryPages).sum();
            double[] smallBeyond = report("actor2M", n, smallPages, before, mid, after);

            double ownEach = (double) bareOwn / n / PAGE;
            System.out.printf(Locale.ROOT, "pages each instance holds of its own (written since it shared the image; the rest"
                    + " are the image's or the zero page, shared): %.2f of %.2f%n", ownEach, (double) barePages / n);
            System.out.printf(Locale.ROOT, "beyond its own pages (%.0f B each): bare %.0f B (2nd half %.0f B), actor %.0f B"
                    + " (2nd half %.0f B), actor2M %.0f B (2nd half %.0f B)%n", ownEach * PAGE,
                    bareBeyond[0] + (barePages / (double) n - ownEach) * PAGE, bareBeyond[1] + (barePages / (double) n - ownEach) * PAGE,
                    actorBeyond[0] + (actorPages / (double) n - ownEach) * PAGE, actorBeyond[1] + (actorPages / (double) n - ownEach) * PAGE,
                    smallBeyond[0] + (smallPages / (double) n - ownEach) * PAGE, smallBeyond[1] + (smallPages / (double) n - ownEach) * PAGE);
            System.out.printf(Locale.ROOT, "runtime's own share per actor beyond linear memory (actor - bare): %.0f B over "
                    + "all N, %.0f B over the second half%n", actorBeyond[0] - bareBeyond[0], actorBeyond[1] - bareBeyond[1]);
            System.out.printf(Locale.ROOT, "a 2 MiB cap instead of 256 MiB saves %.0f B per active actor (second half: %.0f B)%n",
                    actorBeyond[0] - smallBeyond[0], actorBeyond[1] - smallBeyond[1]);
        }
    }

    /**
     * The bytes of linear memory an instance holds of its own: Kelpie's {@code PagedMemory} shares unwritten
     * 4 KiB blocks (the memory image's, the zero block) among instances; read by reflection (package-private,
     * and absent before it). Chicory's {@code ByteArrayMemory} holds all its pages.
     */
    private static long ownBytes(WapcInstance wapc) {
        try {
            java.lang.reflect.Field field = wapc.getClass().getDeclaredField("instance");
            field.setAccessible(true);
            Object memory = ((com.dylibso.chicory.runtime.Instance) field.get(wapc)).memory();
            java.lang.reflect.Method own = memory.getClass().getDeclaredMethod("ownBytes");
            own.setAccessible(true);
            return ((Number) own.invoke(memory)).longValue();
        } catch (NoSuchMethodException e) {
            return wapc.memoryPages() * PAGE;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the instance's own pages", e);
        }
    }

    /** Activates actors h{from}..h{to-1} with one echo each, waits until they are idle, returns the settled heap. */
    private static long activate(ActorBench bench, String type, int from, int to, byte[] payload) throws InterruptedException {
        @SuppressWarnings("unchecked")
        CompletableFuture<byte[]>[] first = new CompletableFuture[to - from];
        for (int i = from; i < to; i++) {
            first[i - from] = bench.runtime.ref(type, "h" + i).invoke("echo", payload).toCompletableFuture();
        }
        byte[] last = ActorBench.awaitAll(first, first.length);
        Guests.check(Arrays.equals(last, payload), "echo of the last actor");
        Arrays.fill(first, null); // the replies are the caller's, not the actors'
        waitUntil(() -> bench.runtime.actors().stream().allMatch(a -> a.queued() == 0));
        return settledHeap();
    }

    /**
     * Prints one row; returns bytes per item beyond linear memory, {over all N, over the second half}. The
     * second-half figure leaves out one-off allocations that come with the first items (caches, lazily
     * built structures), which otherwise weigh more the smaller N is.
     */
    private static double[] report(String name, int n, long pages, long before, long mid, long after) {
        double linear = (double) pages * PAGE / n;
        double total = (double) (after - before) / n;
        double secondHalf = (double) (after - mid) / (n - n / 2);
        String pagesEach = pages % n == 0 ? Long.toString(pages / n) : String.format(Locale.ROOT, "%.1f", (double) pages / n);
        System.out.printf(Locale.ROOT, "%-8s %6s %14.0f %14.0f %16.0f %18.0f %14.1f%n", name, pagesEach, linear, total,
                total - linear, secondHalf - linear, (after - before) / 1048576.0);
        return new double[] {total - linear, secondHalf - linear};
    }

    /**
     * With {@code -Dheap.histogram=true}: the live classes of the heap with N idle actors, largest first,
     * with bytes per actor (what makes up the heap beyond linear memory).
     */
    private static void printHistogram(int n) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        System.out.printf(Locale.ROOT, "# live classes with %d idle actors (bytes/actor = bytes / N)%n", n);
        histogram.lines().skip(2).limit(30).forEach(line -> {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4) {
                System.out.printf(Locale.ROOT, "%10s %12s %10.1f  %s%n", f[1], f[2], Long.parseLong(f[2]) / (double) n, f[3]);
            }
        });
    }

    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = MEMORY.getHeapMemoryUsage().getUsed();
        }
        return used;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for the runtime to settle");
            }
            Thread.sleep(10);
        }
    }
}
