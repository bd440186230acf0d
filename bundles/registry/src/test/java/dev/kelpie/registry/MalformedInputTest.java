package dev.kelpie.registry;

import static dev.kelpie.registry.Wasm.bytes;
import static dev.kelpie.registry.Wasm.code;
import static dev.kelpie.registry.Wasm.functions;
import static dev.kelpie.registry.Wasm.module;
import static dev.kelpie.registry.Wasm.section;
import static dev.kelpie.registry.Wasm.voidType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Inputs that made Chicory's parser, or the inspection after it, throw something other than Kelpie's
 * {@link ModuleRejectedException} (issue 7: NullPointerException, NegativeArraySizeException,
 * IndexOutOfBoundsException, AssertionError, OutOfMemoryError), each reduced to a few hand-made bytes.
 * The ones that declared a huge count or length also had to be rejected without allocating it.
 */
class MalformedInputTest {
    /** Rejecting a tiny module may allocate this much at most (parsing a committed guest takes more). */
    private static final long FEW_MB = 4L * 1024 * 1024;

    private final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    @AfterEach
    void nothingRegistered() {
        assertThat(registry.list()).isEmpty();
    }

    // -- NullPointerException and AssertionError in Parser.parseCodeSection --

    @Test
    void endAfterTheFunctionsEndIsMalformed() {
        // a body of three `end`s: Chicory's control tree runs out of parents (NullPointerException)
        byte[] bytes = module(voidType(), functions(1), code(bytes().raw(0x00, 0x0b, 0x0b, 0x0b)));
        rejected("three-ends.wasm", bytes, Reason.MALFORMED);
    }

    @Test
    void elseInABlockIsRejected() {
        // block, else, end, end: Chicory gives the block a false label and asserts it has none
        byte[] bytes = module(voidType(), functions(1), code(bytes().raw(0x00, 0x02, 0x40, 0x05, 0x0b, 0x0b)));
        ModuleRejectedException e = rejected("else-in-block.wasm", bytes, null);
        assertThat(e.reason()).isIn(Reason.MALFORMED, Reason.INVALID);
    }

    // -- NegativeArraySizeException: lengths of 2^31 and more --

    @Test
    void dataSegmentOfFourGigabytesIsMalformed() {
        byte[] bytes = module(section(11, bytes().u32(1).raw(0x01).u32(0xFFFF_FFFFL).raw(0x00)));
        ModuleRejectedException e = rejected("data-4g.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("data section").contains("data segment 0 declares 4294967295 bytes");
    }

    @Test
    void importNameOfTwoGigabytesIsMalformed() {
        byte[] bytes = module(section(2, bytes().u32(1).u32(0x8000_0000L).raw('x')));
        ModuleRejectedException e = rejected("import-name-2g.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("import section").contains("2147483648 bytes");
    }

    @Test
    void functionNameOfFourGigabytesIsMalformed() {
        byte[] names = bytes().u32(1).u32(0).u32(0xFFFF_FFFFL).raw('f').done();
        byte[] bytes = module(section(0, bytes().name("name").raw(0x01).u32(names.length).raw(names)));
        ModuleRejectedException e = rejected("name-4g.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("name section");
    }

    // -- IndexOutOfBoundsException in ModuleInspector.functionTypeOf --

    @Test
    void exportOfAMissingFunctionIsInvalid() {
        byte[] bytes = module(voidType(), functions(1),
                section(7, bytes().u32(1).name("f").raw(0x00).u32(7)),
                code(bytes().raw(0x00, 0x0b)));
        ModuleRejectedException e = rejected("export-missing.wasm", bytes, Reason.INVALID);
        assertThat(e.getMessage()).contains("export 'f' refers to function 7, the module has 1");
    }

    @Test
    void functionOfANonFunctionTypeIsRejected() {
        // type 0 is a struct; function 0 claims it, and is exported
        byte[] bytes = module(section(1, bytes().u32(1).raw(0x5F, 0x00)), functions(1),
                section(7, bytes().u32(1).name("f").raw(0x00).u32(0)),
                code(bytes().raw(0x00, 0x0b)));
        ModuleRejectedException e = rejected("struct-function.wasm", bytes, null);
        assertThat(e.reason()).isIn(Reason.MALFORMED, Reason.INVALID);
    }

    // -- OutOfMemoryError: tiny files that declare huge vectors --

    @Test
    void tinyFileDeclaringQuarterBillionParametersAllocatesNothing() {
        byte[] bytes = module(section(1, bytes().u32(1).raw(0x60).u32(0x1000_0000L).raw(0x7f, 0x00)));
        assertThat(bytes).hasSizeLessThan(32);
        ModuleRejectedException e = rejectedCheaply("params-268m.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("type section").contains("parameters: count 268435456");
    }

    @Test
    void tinyFileDeclaringAGigabyteDataSegmentAllocatesNothing() {
        byte[] bytes = module(section(11, bytes().u32(1).raw(0x01).u32(0x4000_0000L).raw(0x00)));
        rejectedCheaply("data-1g.wasm", bytes, Reason.MALFORMED);
    }

    @Test
    void tinyFileDeclaringAGigabyteImportNameAllocatesNothing() {
        byte[] bytes = module(section(2, bytes().u32(1).u32(0x4000_0000L).raw('x')));
        rejectedCheaply("import-name-1g.wasm", bytes, Reason.MALFORMED);
    }

    @Test
    void tinyFileDeclaringAGigabyteFunctionNameAllocatesNothing() {
        byte[] names = bytes().u32(1).u32(0).u32(0x4000_0000L).raw('f').done();
        byte[] bytes = module(section(0, bytes().name("name").raw(0x01).u32(names.length).raw(names)));
        rejectedCheaply("name-1g.wasm", bytes, Reason.MALFORMED);
    }

    @Test
    void tinyFileDeclaringQuarterBillionElementsAllocatesNothing() {
        // passive segment, element kind funcref, 2^28 function indices (of which one is there)
        byte[] bytes = module(section(9, bytes().u32(1).raw(0x01, 0x00).u32(0x1000_0000L).raw(0x00)));
        rejectedCheaply("elements-268m.wasm", bytes, Reason.MALFORMED);
    }

    @Test
    void manyLocalDeclarationsAreCappedInTotal() {
        // 250 declarations of 50,000 i32 locals each: every one within Chicory's per-declaration limit,
        // 12.5 million locals in total, in a 1 KB file
        Wasm body = bytes().u32(250).repeat(250, 0xd0, 0x86, 0x03, 0x7f).raw(0x0b);
        byte[] bytes = module(voidType(), functions(1), code(body));
        assertThat(bytes).hasSizeLessThan(1100);
        ModuleRejectedException e = rejectedCheaply("locals-12m.wasm", bytes, Reason.INVALID);
        assertThat(e.getMessage()).contains("function body 0 declares more than 50000 locals");
    }

    @Test
    void localsUpToTheLimitLoad() {
        Wasm body = bytes().u32(2).raw(0xa8, 0xc3, 0x01, 0x7f).raw(0xa8, 0xc3, 0x01, 0x7e).raw(0x0b); // 2 x 25,000
        byte[] bytes = module(voidType(), functions(1), code(body));
        assertThat(registry.install("locals-50k.wasm", bytes).descriptor().name()).isEqualTo("locals-50k.wasm");
        registry.remove(ChicoryModuleRegistry.sha256(bytes));
    }

    // -- the framing itself --

    @Test
    void overlongLeb128IsMalformed() {
        byte[] bytes = module(bytes().raw(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00).done());
        ModuleRejectedException e = rejected("long-leb.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("integer representation too long");
    }

    @Test
    void sectionLongerThanTheFileIsMalformed() {
        byte[] bytes = module(bytes().raw(0x01).u32(1000).raw(0x00).done());
        ModuleRejectedException e = rejected("long-section.wasm", bytes, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("type section, byte 9: the section declares 1000 bytes but only 1 remain");
    }

    @Test
    void nonConstantInstructionInAnOffsetIsInvalid() {
        // memory 1 page, an active data segment whose offset is `nop; i32.const 0`
        byte[] bytes = module(section(5, bytes().u32(1).raw(0x00, 0x01)),
                section(11, bytes().u32(1).raw(0x00, 0x01, 0x41, 0x00, 0x0b).u32(1).raw(0x2a)));
        ModuleRejectedException e = rejected("nop-offset.wasm", bytes, Reason.INVALID);
        assertThat(e.getMessage()).contains("instruction 0x1 is not allowed in a constant expression");
    }

    /** Asserts the rejection and its reason (unless null) and that the message names the module. */
    private ModuleRejectedException rejected(String name, byte[] bytes, Reason reason) {
        Throwable t = catchThrowable(() -> registry.install(name, bytes));
        assertThat(t).as("install of %s", name).isInstanceOf(ModuleRejectedException.class);
        ModuleRejectedException e = (ModuleRejectedException) t;
        if (reason != null) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        }
        assertThat(e.moduleName()).isEqualTo(name);
        assertThat(e.getMessage()).startsWith("module '" + name + "' rejected (");
        return e;
    }

    /** {@link #rejected}, allocating at most a few MB on this thread on the way. */
    private ModuleRejectedException rejectedCheaply(String name, byte[] bytes, Reason reason) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        registry.install("warm-up.wasm", TestModules.EMPTY_MODULE); // load the classes of the path first
        registry.remove(ChicoryModuleRegistry.sha256(TestModules.EMPTY_MODULE));
        long before = threads.getThreadAllocatedBytes(thread);
        ModuleRejectedException e = rejected(name, bytes, reason);
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allocated).as("bytes allocated to reject the %d-byte %s", bytes.length, name).isLessThan(FEW_MB);
        return e;
    }
}
