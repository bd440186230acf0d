package dev.kelpie.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutants of the committed guests, from a fixed seed: every install either succeeds or ends in a
 * {@link ModuleRejectedException}, quickly and with bounded allocation. The normal suite runs a few
 * thousand; the {@code fuzz} Maven profile runs {@code -Dkelpie.fuzz.mutants} of them (100,000 by default),
 * {@code -Dkelpie.fuzz.seed} picks another seed.
 */
class LoaderFuzzTest {
    private static final int MUTANTS = Integer.getInteger("kelpie.fuzz.mutants", 3000);
    private static final long SEED = Long.getLong("kelpie.fuzz.seed", 0x6b656c706965L);
    /** One in this many mutants is installed in compiled mode (compiling is the slow part). */
    private static final int COMPILED_EVERY = 20;
    private static final long MAX_INSTALL_MILLIS = 5_000;
    /** Far above what loading any committed guest allocates, far below what a trusted declared count would. */
    private static final long MAX_INSTALL_ALLOCATED_BYTES = 256L * 1024 * 1024;

    private static final String[] SEEDS = {
        TestModules.RUST, TestModules.ASSEMBLYSCRIPT, "/wasm/rust/counter.wasm",
        "/wasm/wat/bad-pointers.wasm", "/wasm/wat/init-order.wasm", "/wasm/wat/init-proc-exit.wasm",
        "/wasm/wat/guest-error-and-ok.wasm", "/wasm/wat/unsatisfiable-imports.wasm", "/wasm/wat/memory-grow.wasm",
        "/wasm/wat/big-initial-memory.wasm", "/wasm/wat/deep-recursion.wasm", "/wasm/wat/no-memory.wasm",
        "/wasm/wat/table-grow-bounded.wasm", "/wasm/wat/table-grow.wasm", "/wasm/wat/big-table.wasm",
        "/wasm/wat/huge-buffers.wasm", "/wasm/wat/output-flood.wasm",
    };

    @Test
    void everyMutantIsInstalledOrRejected() {
        List<byte[]> seeds = new ArrayList<>();
        for (String s : SEEDS) {
            seeds.add(TestModules.bytes(s));
        }
        ChicoryModuleRegistry interpreted = new ChicoryModuleRegistry(
                RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED));
        ChicoryModuleRegistry compiled = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
        for (byte[] seed : seeds) { // warm up: class loading and the JIT are not what the time limit is about
            compiled.remove(compiled.install("seed.wasm", seed).descriptor().hash());
            interpreted.remove(interpreted.install("seed.wasm", seed).descriptor().hash());
        }
        Random pick = new Random(SEED);
        Mutator mutator = new Mutator(SEED);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();

        Map<Reason, Integer> rejected = new EnumMap<>(Reason.class);
        List<String> raw = new ArrayList<>();
        List<String> slow = new ArrayList<>();
        int accepted = 0;
        long maxMillis = 0;
        long maxAllocated = 0;
        long start = System.nanoTime();
        for (int i = 0; i < MUTANTS; i++) {
            int s = pick.nextInt(seeds.size() + 4);
            int seedIndex = s >= seeds.size() ? s - seeds.size() : s; // the bigger toolchain guests twice as often
            Mutator.Mutant mutant = mutator.mutate(seeds.get(seedIndex));
            ChicoryModuleRegistry registry = i % COMPILED_EVERY == 0 ? compiled : interpreted;
            String name = "mutant-" + i + ".wasm";
            long allocatedBefore = threads.getThreadAllocatedBytes(thread);
            long t0 = System.nanoTime();
            try {
                CompiledModule m = registry.install(name, mutant.bytes());
                accepted++;
                registry.remove(m.descriptor().hash());
            } catch (ModuleRejectedException e) {
                rejected.merge(e.reason(), 1, Integer::sum);
                if (e.reason() != Reason.MALFORMED && e.reason() != Reason.INVALID && e.reason() != Reason.COMPILE_FAILED
                        || !e.getMessage().startsWith("module '" + name + "' rejected (")) {
                    raw.add(describe(i, seedIndex, mutant, e));
                }
            } catch (Throwable e) { // also OutOfMemoryError and StackOverflowError: what the loader must never let out
                raw.add(describe(i, seedIndex, mutant, e));
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
            maxMillis = Math.max(maxMillis, millis);
            maxAllocated = Math.max(maxAllocated, allocated);
            if (millis > MAX_INSTALL_MILLIS || allocated > MAX_INSTALL_ALLOCATED_BYTES) {
                slow.add(describe(i, seedIndex, mutant, null) + ": " + millis + " ms, " + allocated + " bytes allocated");
            }
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        int rejectedTotal = rejected.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("loader fuzz: seed %d, %d mutants, %d rejected %s, %d accepted, %d raw exceptions, "
                        + "max %d ms and %d KiB allocated per install, %d ms elapsed%n",
                SEED, MUTANTS, rejectedTotal, rejected, accepted, raw.size(), maxMillis, maxAllocated / 1024, elapsed);
        raw.stream().limit(50).forEach(r -> System.out.println("raw: " + r));
        slow.stream().limit(50).forEach(r -> System.out.println("slow: " + r));

        assertThat(raw).as("installs that ended in something other than a ModuleRejectedException naming the module")
                .isEmpty();
        assertThat(slow).as("installs over %d ms or %d bytes allocated", MAX_INSTALL_MILLIS, MAX_INSTALL_ALLOCATED_BYTES)
                .isEmpty();
        assertThat(accepted + rejectedTotal).isEqualTo(MUTANTS);
        assertThat(interpreted.list()).isEmpty();
        assertThat(compiled.list()).isEmpty();
    }

    private static String describe(int i, int seedIndex, Mutator.Mutant mutant, Throwable e) {
        String what = "mutant " + i + " of " + SEEDS[seedIndex] + " (" + mutant.how() + ")";
        if (e == null) {
            return what;
        }
        StackTraceElement[] trace = e.getStackTrace();
        return what + ": " + e + (trace.length > 0 ? " at " + trace[0] : "");
    }
}
