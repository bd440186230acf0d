package dev.kelpie.registry;

import static dev.kelpie.registry.Wasm.bytes;
import static dev.kelpie.registry.Wasm.module;
import static dev.kelpie.registry.Wasm.section;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.ImportValues;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** What a module may declare: table sizes, memory pages, segments that fit; and every committed guest loads. */
class LoadLimitsTest {
    private ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    /** Every committed guest (every .wasm under wasm-modules) loads under the default limits, in both modes. */
    @ParameterizedTest
    @MethodSource("committedGuests")
    void committedGuestsLoad(Path guest) throws IOException {
        byte[] bytes = Files.readAllBytes(guest);
        for (ExecutionMode mode : ExecutionMode.values()) {
            registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode));
            CompiledModule m = registry.install(guest.getFileName().toString(), bytes);
            assertThat(m.descriptor().executionMode()).isEqualTo(mode);
        }
    }

    static List<Path> committedGuests() throws IOException {
        Path dir = Path.of(System.getProperty("kelpie.wasm.dir", "../../wasm-modules"));
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> guests = files.filter(f -> f.toString().endsWith(".wasm"))
                    .filter(f -> !f.toString().contains("node_modules") && !f.toString().contains("/.build/")
                            && !f.toString().contains("/target/"))
                    .sorted()
                    .collect(Collectors.toList());
            assertThat(guests).hasSizeGreaterThan(20);
            return guests;
        }
    }

    @Test
    void tableOverChicorysCeilingIsInvalid() {
        // Chicory would silently make this a table of 10,000,000 entries
        byte[] bytes = module(section(4, bytes().u32(1).raw(0x70, 0x00).u32(0xFFFF_FFFFL)));
        ModuleRejectedException e = rejected("huge-table.wasm", bytes);
        assertThat(e.getMessage()).isEqualTo("module 'huge-table.wasm' rejected (invalid): table 0 declares a minimum"
                + " of 4294967295 entries, over the limit of 10000000 (max_table_entries)");
    }

    @Test
    void theTableCapIsConfigurable() {
        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxTableEntries(100_000));
        ModuleRejectedException e = rejected("big-table.wasm", TestModules.wat("big-table"));
        assertThat(e.getMessage()).isEqualTo("module 'big-table.wasm' rejected (invalid): table 0 declares a minimum"
                + " of 1000000 entries, over the limit of 100000 (max_table_entries)");

        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxTableEntries(20));
        e = rejected("rust.wasm", TestModules.bytes(TestModules.RUST));
        assertThat(e.getMessage()).contains("table 0 declares a minimum of 32 entries, over the limit of 20");

        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxTableEntries(32));
        assertThat(registry.install("rust.wasm", TestModules.bytes(TestModules.RUST)).descriptor().name())
                .isEqualTo("rust.wasm");
    }

    @Test
    void importedTableOverTheCapIsInvalid() {
        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxTableEntries(100_000));
        byte[] bytes = module(section(2, bytes().u32(1).name("env").name("t").raw(0x01, 0x70, 0x00).u32(5_000_000)));
        ModuleRejectedException e = rejected("imported-table.wasm", bytes);
        assertThat(e.getMessage()).contains("imported table 0 declares a minimum of 5000000 entries");
    }

    @Test
    void tableMinimumAboveItsMaximumIsInvalid() {
        byte[] bytes = module(section(4, bytes().u32(1).raw(0x70, 0x01).u32(5).u32(2)));
        ModuleRejectedException e = rejected("table-min-max.wasm", bytes);
        assertThat(e.getMessage()).contains("table 0 declares a minimum of 5 entries above its maximum of 2");
    }

    /**
     * Growing tables is not refused at load (the committed table-grow guest grows a table without a
     * maximum): the waPC host caps each instance's tables (dev.kelpie.wapc max_table_entries).
     */
    @Test
    void growingATableWithoutMaximumLoads() {
        assertThat(registry.install("table-grow.wasm", TestModules.wat("table-grow")).descriptor().name())
                .isEqualTo("table-grow.wasm");
    }

    /** A table declared with a maximum grows up to it and no further, in both modes. */
    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void boundedTableStopsAtItsMaximum(ExecutionMode mode) {
        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode));
        CompiledModule m = registry.install("table-grow-bounded.wasm", TestModules.wat("table-grow-bounded"));
        Instance instance = TestModules.instantiate(m, TestModules.noOpWapcImports());

        assertThat(grow(instance, 1_000_000)).isEqualTo(-1);
        assertThat(grow(instance, 3)).isEqualTo(1);
        assertThat(grow(instance, 4)).isEqualTo(4);
        assertThat(grow(instance, 1)).isEqualTo(-1);
        assertThat(instance.table(0).size()).isEqualTo(8);
    }

    @Test
    void memoryOverFourGigabytesIsInvalid() {
        byte[] bytes = module(section(5, bytes().u32(1).raw(0x00).u32(65_537)));
        ModuleRejectedException e = rejected("memory-65537.wasm", bytes);
        assertThat(e.getMessage()).contains("memory 0 declares a minimum of 65537 pages, over the 65536 pages (4 GiB)");
    }

    @Test
    void memoryMaximumOverFourGigabytesIsInvalid() {
        byte[] bytes = module(section(5, bytes().u32(1).raw(0x01).u32(1).u32(0xFFFF_FFFFL)));
        ModuleRejectedException e = rejected("memory-max.wasm", bytes);
        assertThat(e.getMessage()).contains("memory 0 declares a maximum of 4294967295 pages");
    }

    @Test
    void dataSegmentPastTheMemoryIsInvalid() {
        // one page; 10 bytes at 65530
        byte[] bytes = module(section(5, bytes().u32(1).raw(0x00, 0x01)),
                section(11, bytes().u32(1).raw(0x00, 0x41).raw(0xfa, 0xff, 0x03).raw(0x0b).u32(10).repeat(10, 0x2a)));
        ModuleRejectedException e = rejected("data-past-memory.wasm", bytes);
        assertThat(e.getMessage()).contains("data segment 0 (10 bytes at offset 65530) does not fit memory 0 of 1 pages");
    }

    @Test
    void dataSegmentAtANegativeOffsetIsInvalid() {
        // i32.const -1 is offset 4294967295
        byte[] bytes = module(section(5, bytes().u32(1).raw(0x00, 0x01)),
                section(11, bytes().u32(1).raw(0x00, 0x41, 0x7f, 0x0b).u32(1).raw(0x2a)));
        ModuleRejectedException e = rejected("data-negative.wasm", bytes);
        assertThat(e.getMessage()).contains("at offset 4294967295");
    }

    @Test
    void elementSegmentPastTheTableIsInvalid() {
        // type () -> (), one function, table 1..1, two function references at offset 0
        byte[] bytes = module(Wasm.voidType(), Wasm.functions(1), section(4, bytes().u32(1).raw(0x70, 0x01, 0x01, 0x01)),
                section(9, bytes().u32(1).raw(0x00, 0x41, 0x00, 0x0b).u32(2).raw(0x00, 0x00)),
                Wasm.code(bytes().raw(0x00, 0x0b)));
        ModuleRejectedException e = rejected("elements-past-table.wasm", bytes);
        assertThat(e.getMessage()).contains("element segment 0 (2 entries at offset 0) does not fit table 0 of 1 entries");
    }

    @Test
    void segmentsThatFitLoad() {
        byte[] bytes = module(Wasm.voidType(), Wasm.functions(1), section(4, bytes().u32(1).raw(0x70, 0x01, 0x02, 0x02)),
                section(5, bytes().u32(1).raw(0x00, 0x01)),
                section(9, bytes().u32(1).raw(0x00, 0x41, 0x00, 0x0b).u32(2).raw(0x00, 0x00)),
                Wasm.code(bytes().raw(0x00, 0x0b)),
                section(11, bytes().u32(1).raw(0x00, 0x41).raw(0xf6, 0xff, 0x03).raw(0x0b).u32(10).repeat(10, 0x2a)));
        CompiledModule m = registry.install("segments-fit.wasm", bytes);
        Instance instance = TestModules.instantiate(m, ImportValues.builder().build());
        assertThat(instance.memory().read(65535)).isEqualTo((byte) 0x2a);
    }

    static int grow(Instance instance, int by) {
        instance.export("__guest_call").apply(0, by);
        return instance.memory().readInt(0);
    }

    private ModuleRejectedException rejected(String name, byte[] bytes) {
        ModuleRejectedException e = catchThrowableOfType(ModuleRejectedException.class, () -> registry.install(name, bytes));
        assertThat(e).as("install of %s should be rejected", name).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.INVALID);
        assertThat(e.getMessage()).startsWith("module '" + name + "' rejected (invalid): ");
        assertThat(registry.list()).isEmpty();
        return e;
    }
}
