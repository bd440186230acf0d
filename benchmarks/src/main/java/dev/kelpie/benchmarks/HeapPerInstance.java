package dev.kelpie.benchmarks;

import dev.kelpie.api.wasm.ChicoryModule;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Heap retained per live instance (not a JMH benchmark: JMH measures time and allocation rate, not what
 * stays reachable). For each case: compile the module, make one instance to load classes, then with the
 * heap settled by repeated {@code System.gc()} read the used heap, create N instances and keep them
 * reachable, settle again and read again. (after - before) / N is the heap one instance holds, including
 * its linear memory; minus pages * 64 KiB it is the instance's own overhead (Chicory's instance, machine,
 * memory page table, globals and tables, plus Kelpie's waPC state).
 *
 * <p>Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.kelpie.benchmarks.HeapPerInstance [N]}
 */
public final class HeapPerInstance {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private HeapPerInstance() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        System.out.printf(Locale.ROOT, "# Heap per instance, N=%d, JDK %s, %s, max heap %d MiB%n", n,
                System.getProperty("java.version"), ManagementFactory.getRuntimeMXBean().getVmName(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "%-44s %6s %16s %16s %16s%n", "case", "pages", "linear KiB/inst",
                "total B/inst", "excl. linear B/inst");

        ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        host.addGuestAdapter(new AssemblyScriptAdapter());
        for (String guest : new String[] {"rust", "assemblyscript"}) {
            CompiledModule compiled = Guests.compile(Guests.resource(guest), ExecutionMode.COMPILED);
            var shape = compiled.descriptor().memory();
            MemoryLimits kelpieLimits = new MemoryLimits(shape.initialPages(), shape.declaresMaximum()
                    ? Math.min(shape.maximumPages(), WapcSettings.DEFAULT_MAX_MEMORY_PAGES)
                    : WapcSettings.DEFAULT_MAX_MEMORY_PAGES);

            measure("Kelpie host.instantiate, " + guest, n, () -> {
                WapcInstance i = host.instantiate(compiled, InstanceOptions.labelled("heap"));
                return new Probe(i, i::memoryPages);
            });
            measure("raw Chicory, module's limits, " + guest, n, () -> {
                RawWapcHost raw = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), null, true);
                return new Probe(raw, () -> raw.instance().memory().pages());
            });
            measure("raw Chicory, Kelpie's limits, " + guest, n, () -> {
                RawWapcHost raw = new RawWapcHost(ChicoryModule.of(compiled).wasmModule(), ChicoryModule.of(compiled).machineFactory(), kelpieLimits, true);
                return new Probe(raw, () -> raw.instance().memory().pages());
            });
        }
    }

    /** An instance and how to read its pages. */
    private record Probe(Object instance, IntSupplier pages) {}

    private static void measure(String name, int n, Supplier<Probe> create) throws InterruptedException {
        Probe warm = create.get(); // loads classes, runs the init once
        warm = null;
        Probe[] live = new Probe[n];
        long before = settledHeap();
        for (int i = 0; i < n; i++) {
            live[i] = create.get();
        }
        long after = settledHeap();
        int pages = live[0].pages().getAsInt();
        for (Probe p : live) {
            if (p.pages().getAsInt() != pages) {
                pages = -1; // mixed sizes: cannot subtract one linear-memory figure
            }
        }
        double total = (double) (after - before) / n;
        long linear = (long) Math.max(pages, 0) * Memory.PAGE_SIZE;
        System.out.printf(Locale.ROOT, "%-44s %6d %16.1f %16.0f %16.0f%n", name, pages, linear / 1024.0, total,
                total - linear);
        // live stays reachable up to the pages loop above, after the second reading; drop it now
        live = null;
        settledHeap();
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
}
