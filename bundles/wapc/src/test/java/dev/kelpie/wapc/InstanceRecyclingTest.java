package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.MemoryBudget;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Instance recycling: a closed instance of an imaged module is scrubbed back to the image and serves the
 * next instance. The next actor must see exactly the image (memory, size, globals, tables), be charged its
 * memory afresh, and only instances whose last call returned normally may come back.
 */
@Timeout(60)
class InstanceRecyclingTest {
    private static final int SECRET = 0x5EC12E7;
    /** What "r" answers in the image's state: global 7, two words 0, table slot 1 -> 1, one page. */
    private static final int[] IMAGE_STATE = {7, 0, 0, 1, 1};

    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS.withInstancePoolSize(4));
    private final List<WapcInstance> instances = new ArrayList<>();
    private final CompiledModule module = Guests.wat("recycle-secret");

    InstanceRecyclingTest() {
        host.setConsole(new RecordingConsole());
    }

    @AfterEach
    void tearDown() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(ChicoryWapcHost on, CompiledModule compiled, InstanceOptions options) {
        WapcInstance instance = on.instantiate(compiled, options);
        instances.add(instance);
        return instance;
    }

    private WapcInstance start() {
        return start(host, module, InstanceOptions.labelled("i" + instances.size()));
    }

    private static Instance chicory(WapcInstance instance) {
        return ((WapcGuestInstance) instance).chicoryInstance();
    }

    private static byte[] secret() {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(SECRET).array();
    }

    private static int[] read(WapcInstance instance) {
        ByteBuffer b = ByteBuffer.wrap(instance.invoke("r", new byte[0])).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[5];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    private int pooled() {
        return host.pools(module).stream().mapToInt(InstancePool::size).sum();
    }

    /** An instance that wrote the secret everywhere and was closed; returns its Chicory instance. */
    private Instance usedAndClosed() {
        WapcInstance a = start();
        a.invoke("p", secret());
        assertThat(read(a)).containsExactly(SECRET, SECRET, SECRET, 2, 2);
        Instance chicory = chicory(a);
        a.close();
        return chicory;
    }

    @Test
    void theNextInstanceSeesNothingOfThePreviousOne() {
        start().close(); // initialised normally: leaves the image, then is recycled itself
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("yes");
        WapcInstance a = start();
        Instance recycledOnce = chicory(a);
        a.invoke("p", secret());
        a.close();

        WapcInstance b = start();
        assertThat(chicory(b)).as("b reuses a's Chicory instance").isSameAs(recycledOnce);
        assertThat(b.memoryPages()).isEqualTo(1);
        // every byte of b's memory is the image's: compare with an instance restored from it, never recycled
        ChicoryWapcHost fresh = new ChicoryWapcHost(WapcSettings.DEFAULTS.withInstancePoolSize(0));
        fresh.setConsole(new RecordingConsole());
        start(fresh, module, InstanceOptions.labelled("first"));
        WapcInstance restored = start(fresh, module, InstanceOptions.labelled("restored"));
        assertThat(java.util.Arrays.equals(chicory(b).memory().readBytes(0, 65536),
                chicory(restored).memory().readBytes(0, 65536))).as("b's memory is the image's").isTrue();
        assertThat(read(b)).containsExactly(IMAGE_STATE);
        assertThat(a.isClosed()).isTrue();
        assertThat(catchThrowableOfType(GuestCallException.class, () -> a.invoke("r", new byte[0])).kind())
                .as("the closed instance stays closed while its Chicory instance serves another")
                .isEqualTo(GuestCallException.Kind.CLOSED);
    }

    @Test
    void theRustAndAssemblyScriptTestbedsAreRecycled() {
        host.addGuestAdapter(new AssemblyScriptAdapter());
        CompiledModule rust = Guests.compiled(Guests.RUST);
        start(host, rust, InstanceOptions.labelled("r0")).close();
        WapcInstance r1 = start(host, rust, InstanceOptions.labelled("r1"));
        Instance used = chicory(r1);
        byte[] big = new byte[200_000];
        java.util.Arrays.fill(big, (byte) 0x5A);
        assertThat(r1.invoke("echo", big)).isEqualTo(big);
        WapcInstance r2 = start(host, rust, InstanceOptions.labelled("r2"));
        int imagePages = r2.memoryPages();
        r1.close();
        WapcInstance r3 = start(host, rust, InstanceOptions.labelled("r3"));
        assertThat(chicory(r3)).isSameAs(used);
        assertThat(r3.memoryPages()).isEqualTo(imagePages);
        assertThat(r3.invoke("echo", "hi".getBytes(UTF_8))).isEqualTo("hi".getBytes(UTF_8));
        assertThat(r3.invoke("fib", "20".getBytes(UTF_8))).isEqualTo(r2.invoke("fib", "20".getBytes(UTF_8)));

        // AssemblyScript's adapter binds env.abort/trace/seed per instance: a recycled instance calls the new ones
        RecordingConsole console = new RecordingConsole();
        host.setConsole(console);
        CompiledModule as = Guests.compiled(Guests.ASSEMBLYSCRIPT);
        start(host, as, InstanceOptions.labelled("a0")).close();
        WapcInstance a1 = start(host, as, InstanceOptions.labelled("a1"));
        Instance asInstance = chicory(a1);
        assertThat(a1.invoke("echo", "x".getBytes(UTF_8))).isEqualTo("x".getBytes(UTF_8));
        a1.close();
        WapcInstance a2 = start(host, as, InstanceOptions.labelled("a2"));
        assertThat(chicory(a2)).isSameAs(asInstance);
        assertThat(a2.invoke("fib", "20".getBytes(UTF_8))).isEqualTo("6765".getBytes(UTF_8));
        GuestCallException abort = catchThrowableOfType(() -> a2.invoke("alloc", "4000000000".getBytes(UTF_8)),
                GuestCallException.class);
        assertThat(abort).hasMessageContaining("abort");
        assertThat(console.lines).anyMatch(l -> l.contains("|a2|") && l.contains("abort"))
                .noneMatch(l -> l.contains("|a1|") && l.contains("abort"));
        a2.close();
        assertThat(host.pools(as).stream().mapToInt(InstancePool::size).sum()).as("an aborted instance is dropped")
                .isZero();
    }

    /** Counts reservations and releases, and can refuse past a limit. */
    private static final class CountingBudget implements MemoryBudget {
        final AtomicLong reserved = new AtomicLong();
        final AtomicInteger reserves = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        volatile long limit = Long.MAX_VALUE;

        @Override
        public boolean tryReserve(long bytes) {
            if (reserved.get() + bytes > limit) {
                return false;
            }
            reserved.addAndGet(bytes);
            reserves.incrementAndGet();
            return true;
        }

        @Override
        public void release(long bytes) {
            reserved.addAndGet(-bytes);
            releases.incrementAndGet();
        }
    }

    @Test
    void memoryGrownByOneActorIsGoneForTheNextAndTheBudgetBalances() {
        start().close();
        CountingBudget budget = new CountingBudget();
        InstanceOptions options = InstanceOptions.labelled("budgeted").withMemoryBudget(budget);
        WapcInstance a = start(host, module, options);
        Instance recycled = chicory(a);
        assertThat(budget.reserved.get()).isEqualTo(65536);
        a.invoke("p", secret()); // grows a page
        assertThat(budget.reserved.get()).isEqualTo(2 * 65536);
        a.close();
        assertThat(budget.reserved.get()).as("a pooled instance holds no reservation").isZero();

        WapcInstance b = start(host, module, options);
        assertThat(chicory(b)).isSameAs(recycled);
        assertThat(budget.reserved.get()).isEqualTo(65536);
        assertThat(b.memoryPages()).isEqualTo(1);
        assertThat(read(b)).containsExactly(IMAGE_STATE);
        b.invoke("p", secret());
        assertThat(budget.reserved.get()).isEqualTo(2 * 65536);
        b.close();
        assertThat(budget.reserved.get()).isZero();
        assertThat(budget.releases.get()).isEqualTo(2);

        budget.limit = 1000; // the image's page does not fit: refused as without recycling, the instance stays pooled
        int before = pooled();
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                () -> start(host, module, options));
        assertThat(e.getMessage()).contains("recycle-secret.wasm", "instance 'budgeted'", "65536 bytes",
                "shared memory budget");
        assertThat(pooled()).isEqualTo(before);
        assertThat(budget.reserved.get()).isZero();
        budget.limit = Long.MAX_VALUE;
        assertThat(chicory(start(host, module, options))).isSameAs(recycled);
    }

    @Test
    void aTrappedATimedOutAndAnInterruptedInstanceAreNotReused() throws Exception {
        start().close();
        WapcInstance trapped = start();
        Instance trappedChicory = chicory(trapped);
        assertThat(catchThrowableOfType(GuestCallException.class, () -> trapped.invoke("t", new byte[0])).kind())
                .isEqualTo(GuestCallException.Kind.TRAP);
        trapped.close();

        WapcInstance slow = start(host, module, InstanceOptions.labelled("slow").withCallTimeout(Duration.ofMillis(100)));
        Instance slowChicory = chicory(slow);
        assertThat(catchThrowableOfType(GuestCallException.class, () -> slow.invoke("l", new byte[0])).kind())
                .isEqualTo(GuestCallException.Kind.INTERRUPTED);
        slow.close();

        WapcInstance interrupted = start();
        Instance interruptedChicory = chicory(interrupted);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<?> call = thread.submit(() -> interrupted.invoke("l", new byte[0]));
            Thread.sleep(100);
            call.cancel(true);
            thread.shutdown();
            assertThat(thread.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            thread.shutdownNow();
        }
        interrupted.close();

        WapcInstance grown = start();
        Instance grownChicory = chicory(grown);
        grown.invoke("g", new byte[0]); // its table grew: it cannot be put back
        grown.close();

        List<Instance> next = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            next.add(chicory(start()));
        }
        assertThat(next).doesNotContain(trappedChicory, slowChicory, interruptedChicory, grownChicory);
    }

    @Test
    void thePoolHoldsAtMostItsSize() {
        List<WapcInstance> open = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            open.add(start());
        }
        open.forEach(WapcInstance::close);
        assertThat(pooled()).isEqualTo(4);
    }

    @Test
    void allPoolsOfAHostHoldAtMostTheirBytesAndGiveThemBackWhenTaken() {
        ChicoryWapcHost bounded = new ChicoryWapcHost(WapcSettings.DEFAULTS.withInstancePoolSize(16)
                .withInstancePoolBytes(2L * Memory.PAGE_SIZE));
        bounded.setConsole(new RecordingConsole());
        List<WapcInstance> open = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WapcInstance w = start(bounded, module, InstanceOptions.labelled("w" + i));
            w.invoke("p", secret()); // owns its page from here on
            open.add(w);
        }
        open.forEach(WapcInstance::close);
        assertThat(bounded.pools(module).stream().mapToInt(InstancePool::size).sum())
                .as("two instances of one written page each fill 2 pages' worth").isEqualTo(2);
        assertThat(bounded.pooledBytes()).isEqualTo(2L * Memory.PAGE_SIZE);
        start(bounded, module, InstanceOptions.labelled("x"));
        assertThat(bounded.pooledBytes()).isEqualTo(Memory.PAGE_SIZE);
        start(bounded, module, InstanceOptions.labelled("y"));
        assertThat(bounded.pooledBytes()).isZero();
    }

    @Test
    void poolSettingsOutOfRangeAreRefusedNamingTheSetting() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WapcSettings.DEFAULTS.withInstancePoolSize(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instancePoolSize").hasMessageContaining("-1");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> WapcSettings.DEFAULTS.withInstancePoolSize(WapcSettings.MAX_INSTANCE_POOL_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instancePoolSize");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WapcSettings.DEFAULTS.withInstancePoolBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instancePoolBytes");
        assertThat(WapcSettings.DEFAULTS.instancePoolBytes()).isEqualTo(WapcSettings.DEFAULT_INSTANCE_POOL_BYTES);
    }

    @Test
    void closingTwicePoolsOnce() {
        start().close();
        assertThat(pooled()).isEqualTo(1);
        WapcInstance a = start();
        assertThat(pooled()).isZero();
        a.close();
        a.close();
        assertThat(pooled()).isEqualTo(1);
        Instance recycled = chicory(start());
        assertThat(chicory(start())).isNotSameAs(recycled);
    }

    @Test
    void aReplacedModulesPooledInstancesNeverServeItsSuccessor() {
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
        CompiledModule v1 = registry.install("recycle-secret.wasm", Guests.bytes("/wasm/wat/recycle-secret.wasm"));
        start(host, v1, InstanceOptions.labelled("v1")).close();
        assertThat(host.pools(v1).stream().mapToInt(InstancePool::size).sum()).isEqualTo(1);
        registry.remove(v1.descriptor().hash());
        CompiledModule v2 = registry.install("recycle-secret.wasm", Guests.bytes("/wasm/wat/recycle-secret.wasm"));
        assertThat(v2).isNotSameAs(v1);
        WapcInstance next = start(host, v2, InstanceOptions.labelled("v2"));
        assertThat(chicory(next).module()).isSameAs(dev.kelpie.api.wasm.ChicoryModule.of(v2).wasmModule());
        assertThat(host.pools(v2).stream().mapToInt(InstancePool::size).sum()).isZero();
    }

    /** Pools one instance of a module installed in a registry of its own, then drops every reference to the module. */
    private java.lang.ref.WeakReference<Instance> pooledOfADroppedModule() {
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
        CompiledModule gone = registry.install("recycle-secret.wasm", Guests.bytes("/wasm/wat/recycle-secret.wasm"));
        WapcInstance w = host.instantiate(gone, InstanceOptions.labelled("gone"));
        java.lang.ref.WeakReference<Instance> pooled = new java.lang.ref.WeakReference<>(chicory(w));
        w.close();
        assertThat(host.pools(gone).stream().mapToInt(InstancePool::size).sum()).isEqualTo(1);
        registry.remove(gone.descriptor().hash());
        return pooled;
    }

    @Test
    void anUninstalledModulesPooledInstancesGoWithoutAnotherInstantiation() throws Exception {
        // a pooled instance holds its module's compiled code and class loader: they must not outlive the module
        java.lang.ref.WeakReference<Instance> pooled = pooledOfADroppedModule();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (pooled.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
        assertThat(pooled.get()).as("the pooled instance of a dropped module, 10 s later (no host call since)").isNull();
    }

    @Test
    void aPooledInstanceGoesToOneInstantiationOnly() throws Exception {
        start().close();
        assertThat(pooled()).isEqualTo(1);
        CountDownLatch taken = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        host.pools(module).forEach(p -> p.afterTake = () -> {
            if (first.getAndSet(false)) {
                taken.countDown();
                try {
                    go.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<WapcInstance> one = thread.submit((java.util.concurrent.Callable<WapcInstance>) this::start);
            assertThat(taken.await(10, TimeUnit.SECONDS)).isTrue(); // it holds the pooled instance, not yet adopted
            WapcInstance other = start();
            go.countDown();
            WapcInstance mine = one.get(10, TimeUnit.SECONDS);
            assertThat(chicory(other)).isNotSameAs(chicory(mine));
            mine.invoke("p", secret());
            assertThat(read(other)).containsExactly(IMAGE_STATE);
        } finally {
            go.countDown();
            thread.shutdownNow();
        }
    }

    @Test
    void aPoolSizeOfZeroRecyclesNothing() {
        ChicoryWapcHost off = new ChicoryWapcHost(WapcSettings.DEFAULTS.withInstancePoolSize(0));
        off.setConsole(new RecordingConsole());
        start(off, module, InstanceOptions.labelled("first")).close();
        WapcInstance a = start(off, module, InstanceOptions.labelled("a"));
        Instance used = chicory(a);
        a.invoke("p", secret());
        a.close();
        WapcInstance b = start(off, module, InstanceOptions.labelled("b"));
        assertThat(chicory(b)).isNotSameAs(used);
        assertThat(read(b)).containsExactly(IMAGE_STATE);
        assertThat(off.pools(module).stream().mapToInt(InstancePool::size).sum()).isZero();
        assertThat(off.memoryImage(module.descriptor())).isEqualTo("yes");
    }

    @Test
    void withoutMemoryImagesNothingIsRecycled() {
        ChicoryWapcHost off = new ChicoryWapcHost(WapcSettings.DEFAULTS.withMemoryImages(false));
        off.setConsole(new RecordingConsole());
        WapcInstance a = start(off, module, InstanceOptions.labelled("a"));
        Instance used = chicory(a);
        a.close();
        assertThat(chicory(start(off, module, InstanceOptions.labelled("b")))).isNotSameAs(used);
    }
}
