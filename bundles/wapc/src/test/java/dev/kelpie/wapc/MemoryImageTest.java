package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.MemoryBudget;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.wasm.GuestAdapter;
import dev.kelpie.api.wasm.GuestBinding;
import dev.kelpie.api.wasm.GuestContext;
import dev.kelpie.guest.assemblyscript.AssemblyScriptAdapter;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Instances restored from a memory image: the first instance of a module initialises normally and leaves
 * an image of its state; later ones start from the image. They must be indistinguishable from instances
 * initialised normally, isolated from one another, charged the same memory, and modules whose init is
 * not deterministic must not be imaged.
 */
@Timeout(60)
class MemoryImageTest {
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final ChicoryWapcHost noImages = new ChicoryWapcHost(WapcSettings.DEFAULTS.withMemoryImages(false));
    private final List<WapcInstance> instances = new ArrayList<>();

    MemoryImageTest() {
        host.setConsole(new RecordingConsole());
        noImages.setConsole(new RecordingConsole());
    }

    @AfterEach
    void tearDown() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(ChicoryWapcHost on, CompiledModule module, InstanceOptions options) {
        WapcInstance instance = on.instantiate(module, options);
        instances.add(instance);
        return instance;
    }

    private WapcInstance start(CompiledModule module) {
        return start(host, module, InstanceOptions.labelled("i" + instances.size()));
    }

    private static int[] ints(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[bytes.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }

    @Test
    void anImagedInstanceHasTheGlobalsMemorySegmentsAndTablesInitLeft() {
        CompiledModule module = Guests.wat("image-init");
        WapcInstance first = start(module); // initialised normally: leaves the image
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("yes");
        WapcInstance imaged = start(module);
        WapcInstance plain = start(noImages, module, InstanceOptions.labelled("plain"));

        int[] expected = {42, 0xABCD, 0x1234, 2};
        assertThat(ints(first.invoke("r", new byte[0]))).containsExactly(expected);
        assertThat(ints(imaged.invoke("r", new byte[0]))).containsExactly(expected);
        assertThat(ints(plain.invoke("r", new byte[0]))).containsExactly(expected);
        assertThat(new String(imaged.invoke("s", new byte[0]), UTF_8)).isEqualTo("Jello");
        assertThat(imaged.memoryPages()).isEqualTo(2).isEqualTo(plain.memoryPages());
        assertThat(noImages.memoryImage(module.descriptor())).isEqualTo("off");
    }

    @Test
    void writesInOneImagedInstanceNeverAppearInAnother() {
        CompiledModule module = Guests.wat("image-init");
        WapcInstance first = start(module);
        WapcInstance a = start(module);
        WapcInstance b = start(module);

        a.invoke("w", new byte[0]);
        a.invoke("w", new byte[0]);
        first.invoke("w", new byte[0]);

        assertThat(ints(a.invoke("r", new byte[0]))).containsExactly(44, 0xABCD + 2, 0x1234 + 2, 2);
        assertThat(ints(b.invoke("r", new byte[0]))).containsExactly(42, 0xABCD, 0x1234, 2);
        assertThat(new String(b.invoke("s", new byte[0]), UTF_8)).isEqualTo("Jello");
        assertThat(new String(a.invoke("s", new byte[0]), UTF_8)).isEqualTo("Xello");
        WapcInstance c = start(module); // the image itself was not touched by any of them
        assertThat(ints(c.invoke("r", new byte[0]))).containsExactly(42, 0xABCD, 0x1234, 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {Guests.RUST, Guests.ASSEMBLYSCRIPT})
    void theTestbedsAreImagedAndBehaveAsInitialisedOnes(String guest) {
        host.addGuestAdapter(new AssemblyScriptAdapter());
        noImages.addGuestAdapter(new AssemblyScriptAdapter());
        CompiledModule module = Guests.compiled(guest);
        start(module);
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("yes");
        WapcInstance imaged = start(module);
        WapcInstance plain = start(noImages, module, InstanceOptions.labelled("plain"));
        Random random = new Random(7);
        for (int size : new int[] {0, 64, 4096, 65536, 300_000}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            assertThat(imaged.invoke("echo", payload)).isEqualTo(payload);
        }
        assertThat(imaged.invoke("fib", "20".getBytes(UTF_8))).isEqualTo(plain.invoke("fib", "20".getBytes(UTF_8)));
        assertThat(start(module).memoryPages()).isEqualTo(start(noImages, module, InstanceOptions.labelled("p2")).memoryPages());
    }

    /** Supplies WASI's clock_time_get as a counter (1, 2, 3, ...), so each init reads another time. */
    private static final class CountingClock implements GuestAdapter {
        final AtomicLong now = new AtomicLong();

        @Override
        public String language() {
            return "clock";
        }

        @Override
        public int recognise(ModuleDescriptor module) {
            return module.imports().stream().anyMatch(i -> i.module().equals("wasi_snapshot_preview1")) ? 1 : 0;
        }

        @Override
        public GuestBinding bind(GuestContext context) {
            ImportFunction clock = new HostFunction("wasi_snapshot_preview1", "clock_time_get",
                    FunctionType.of(List.of(ValType.I32, ValType.I64, ValType.I32), List.of(ValType.I32)),
                    (instance, args) -> {
                        instance.memory().writeLong((int) args[2], now.incrementAndGet());
                        return new long[] {0};
                    });
            return () -> List.of(clock);
        }
    }

    @Test
    void aGuestWhoseInitReadsTheClockIsNotImagedAndSaysWhy() {
        host.addGuestAdapter(new CountingClock());
        CompiledModule module = Guests.wat("image-clock");
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("-");

        WapcInstance first = start(module);
        WapcInstance second = start(module);
        WapcInstance third = start(module);

        assertThat(host.memoryImage(module.descriptor()))
                .isEqualTo("no (init called wasi_snapshot_preview1.clock_time_get)");
        assertThat(ByteBuffer.wrap(first.invoke("t", new byte[0])).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(1);
        assertThat(ByteBuffer.wrap(second.invoke("t", new byte[0])).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(2);
        assertThat(ByteBuffer.wrap(third.invoke("t", new byte[0])).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(3);
    }

    @Test
    void aGuestWhoseInitCallsTheHostOrWritesOutputIsNotImaged() {
        // init-order's wapc_init writes a console line: every instance must write it
        RecordingConsole console = new RecordingConsole();
        host.setConsole(console);
        CompiledModule module = Guests.wat("init-order");
        start(module);
        start(module);
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("no (init called wapc.__console_log)");
        assertThat(console.lines).hasSize(2);
    }

    /** A budget that counts what is reserved and can refuse past a limit. */
    private static final class CountingBudget implements MemoryBudget {
        final AtomicLong reserved = new AtomicLong();
        volatile long limit = Long.MAX_VALUE;

        @Override
        public boolean tryReserve(long bytes) {
            if (reserved.get() + bytes > limit) {
                return false;
            }
            reserved.addAndGet(bytes);
            return true;
        }

        @Override
        public void release(long bytes) {
            reserved.addAndGet(-bytes);
        }
    }

    @Test
    void anImagedInstanceIsChargedTheSameMemoryAsAnInitialisedOne() {
        CompiledModule module = Guests.wat("image-init");
        CountingBudget budget = new CountingBudget();
        InstanceOptions options = InstanceOptions.labelled("budgeted").withMemoryBudget(budget);
        WapcInstance first = start(host, module, options);
        assertThat(budget.reserved.get()).isEqualTo(2 * 65536);
        WapcInstance imaged = start(host, module, options);
        assertThat(budget.reserved.get()).isEqualTo(4 * 65536);
        imaged.close();
        first.close();
        assertThat(budget.reserved.get()).isZero();

        budget.limit = 65536 + 100; // the initial page fits, the page init grows does not
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class,
                () -> start(host, module, options));
        assertThat(e.getMessage()).contains("image-init.wasm", "instance 'budgeted'", "needs 2 pages",
                "shared memory budget");
        assertThat(budget.reserved.get()).isZero();
    }

    @Test
    void theImageIsKeptPerMemoryCap() {
        CompiledModule module = Guests.wat("image-init");
        start(host, module, InstanceOptions.labelled("big"));
        assertThat(host.memoryImage(module.descriptor())).isEqualTo("yes");
        // a cap of one page: init's memory.grow fails and its store past the page traps, as without images;
        // the 2-page image of the uncapped instances must not be restored into it
        InstanceOptions small = InstanceOptions.labelled("small").withMaxMemoryPages(1);
        String imaged = catchThrowableOfType(ModuleInstantiationException.class,
                () -> start(host, module, small)).getMessage();
        String plain = catchThrowableOfType(ModuleInstantiationException.class,
                () -> start(noImages, module, small)).getMessage();
        assertThat(imaged).isEqualTo(plain).contains("initialisation failed");
    }

    @Test
    void imagesGoWithTheirCompiledModule() {
        ChicoryWapcHost own = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        own.setConsole(new RecordingConsole());
        var registry = new dev.kelpie.registry.ChicoryModuleRegistry(dev.kelpie.registry.RegistrySettings.DEFAULTS);
        CompiledModule module = registry.install("image-init.wasm", Guests.bytes("/wasm/wat/image-init.wasm"));
        own.instantiate(module, InstanceOptions.labelled("a")).close();
        own.instantiate(module, InstanceOptions.labelled("b")).close();
        assertThat(own.preparedModules()).isEqualTo(1);
        WeakReference<CompiledModule> ref = new WeakReference<>(module);
        registry.remove(module.descriptor().hash());
        module = null;
        for (int i = 0; i < 50 && (ref.get() != null || own.preparedModules() != 0); i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(ref.get()).as("the compiled module is collectable").isNull();
        assertThat(own.preparedModules()).isZero();
    }

    @Test
    void anAdapterThatHandsOutItsFunctionsInAnotherOrderIsStillLinkedRight() {
        CountingClock clock = new CountingClock();
        GuestAdapter shuffling = new GuestAdapter() {
            private int binds;

            @Override
            public String language() {
                return "shuffling";
            }

            @Override
            public int recognise(ModuleDescriptor module) {
                return clock.recognise(module);
            }

            @Override
            public GuestBinding bind(GuestContext context) {
                List<ImportFunction> own = new ArrayList<>(clock.bind(context).imports());
                if (binds++ % 2 == 1) {
                    own.add(0, new HostFunction("wasi_snapshot_preview1", "random_get",
                            FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I32)),
                            (instance, args) -> new long[] {52}));
                }
                List<ImportFunction> imports = List.copyOf(own);
                return () -> imports;
            }
        };
        host.addGuestAdapter(shuffling);
        CompiledModule module = Guests.wat("image-clock");
        for (int i = 1; i <= 4; i++) {
            assertThat(ByteBuffer.wrap(start(module).invoke("t", new byte[0])).order(ByteOrder.LITTLE_ENDIAN).getLong())
                    .isEqualTo(i);
        }
    }
}
