package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static dev.kelpie.registry.TestModules.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import dev.kelpie.api.module.CompiledModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RejectionTest {

    private ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    /** Whatever a test rejected, the registry still takes a good module afterwards. */
    @AfterEach
    void goodModuleStillInstalls() {
        List<ModuleDescriptor> before = registry.list();
        CompiledModule good = registry.install("good-after-rejections.wasm", wat("no-memory"));
        assertThat(good.descriptor().name()).isEqualTo("good-after-rejections.wasm");
        assertThat(registry.list()).hasSize(before.size() + 1).contains(good.descriptor());
    }

    @Test
    void nullBytesAreEmpty() {
        ModuleRejectedException e = rejected("null.wasm", null, Reason.EMPTY);
        assertThat(e.getMessage()).isEqualTo("module 'null.wasm' rejected (empty): no bytes");
    }

    @Test
    void noBytesAreEmpty() {
        ModuleRejectedException e = rejected("empty.wasm", new byte[0], Reason.EMPTY);
        assertThat(e.getMessage()).isEqualTo("module 'empty.wasm' rejected (empty): no bytes");
    }

    @Test
    void rejectionOfUnnamedBytesSaysUnnamed() {
        ModuleRejectedException e = rejected(null, new byte[0], Reason.EMPTY);
        assertThat(e.moduleName()).isEqualTo("unnamed");
        assertThat(e.getMessage()).contains("'unnamed'");
    }

    @Test
    void garbageIsMalformed() {
        byte[] garbage = "this is not a wasm module, just some text".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ModuleRejectedException e = rejected("garbage.wasm", garbage, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("not a WebAssembly binary").contains("magic");
    }

    @Test
    void magicWithoutVersionIsMalformed() {
        ModuleRejectedException e = rejected("magic-only.wasm", new byte[] {0x00, 0x61, 0x73, 0x6d}, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("not a WebAssembly binary");
    }

    @Test
    void unknownBinaryVersionIsMalformed() {
        // The magic of a component-model binary: version 0x0d, layer 1.
        byte[] component = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
        ModuleRejectedException e = rejected("component.wasm", component, Reason.MALFORMED);
        assertThat(e.getMessage()).contains("malformed");
    }

    @Test
    void unknownSectionIdIsMalformed() {
        byte[] bytes = Arrays.copyOf(TestModules.EMPTY_MODULE, 11);
        bytes[8] = 0x42; // no such section
        bytes[9] = 0x01;
        bytes[10] = 0x00;
        rejected("unknown-section.wasm", bytes, Reason.MALFORMED);
    }

    /**
     * The Rust testbed cut at many lengths: every cut is rejected as malformed (or invalid), never with
     * another exception type; only cuts exactly at the end of a section can leave a valid module.
     */
    @Test
    void truncatedModulesAreMalformedOrInvalid() {
        byte[] rust = bytes(TestModules.RUST);
        TreeSet<Integer> sectionEnds = TestModules.sectionEnds(rust);
        TreeSet<Integer> lengths = new TreeSet<>();
        for (int len = 1; len <= 600; len++) {
            lengths.add(len);
        }
        for (int len = 600; len < rust.length; len += 101) {
            lengths.add(len);
        }
        for (int len = rust.length - 64; len < rust.length; len++) {
            lengths.add(len);
        }
        lengths.addAll(sectionEnds.headSet(rust.length));

        List<String> unexpected = new ArrayList<>();
        int rejectedCount = 0;
        for (int len : lengths) {
            byte[] cut = Arrays.copyOf(rust, len);
            String name = "cut-at-" + len + ".wasm";
            try {
                CompiledModule m = registry.install(name, cut);
                if (!sectionEnds.contains(len)) {
                    unexpected.add(len + ": accepted although cut inside a section");
                }
                assertThat(registry.remove(m.descriptor().hash())).isTrue();
            } catch (ModuleRejectedException e) {
                rejectedCount++;
                if (e.reason() != Reason.MALFORMED && e.reason() != Reason.INVALID) {
                    unexpected.add(len + ": reason " + e.reason() + ": " + e.getMessage());
                } else if (!e.getMessage().startsWith("module '" + name + "' rejected (")) {
                    unexpected.add(len + ": message does not name the module: " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                unexpected.add(len + ": " + e);
            }
        }

        assertThat(unexpected).isEmpty();
        assertThat(rejectedCount).isGreaterThan(lengths.size() - sectionEnds.size());
        assertThat(registry.list()).isEmpty();
    }

    @Test
    void functionsWithoutCodeAreMalformed() {
        byte[] rust = bytes(TestModules.RUST);
        // The section ends after the function section and before the code section.
        List<Integer> ends = new ArrayList<>(TestModules.sectionEnds(rust));
        int afterFunctionSection = ends.get(3); // header, type, import, function
        ModuleRejectedException e = rejected("no-code.wasm", Arrays.copyOf(rust, afterFunctionSection), Reason.MALFORMED);
        assertThat(e.getMessage()).contains("function and code section");
    }

    @Test
    void wrongReturnTypeIsInvalid() {
        ModuleRejectedException e = rejected("wrong-return.wasm", TestModules.WRONG_RETURN_TYPE, Reason.INVALID);
        assertThat(e.getMessage()).startsWith("module 'wrong-return.wasm' rejected (invalid): fails validation");
        // Not cached as a failure: the same bytes are checked (and rejected) again.
        rejected("wrong-return-again.wasm", TestModules.WRONG_RETURN_TYPE, Reason.INVALID);
    }

    @Test
    void callToMissingFunctionIsInvalid() {
        ModuleRejectedException e = rejected("bad-call.wasm", TestModules.CALL_TO_MISSING_FUNCTION, Reason.INVALID);
        assertThat(e.getMessage()).contains("fails validation");
    }

    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void invalidModulesAreInvalidInEveryMode(ExecutionMode mode) {
        registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode));
        rejected("wrong-return.wasm", TestModules.WRONG_RETURN_TYPE, Reason.INVALID);
        rejected("truncated.wasm", Arrays.copyOf(bytes(TestModules.RUST), 1000), Reason.MALFORMED);
    }

    @Test
    void overTheCapIsTooLarge() {
        registry = new ChicoryModuleRegistry(new RegistrySettings(1000, ExecutionMode.COMPILED));
        assertThat(registry.maxModuleBytes()).isEqualTo(1000);
        byte[] rust = bytes(TestModules.RUST);

        ModuleRejectedException e = rejected("rust.wasm", rust, Reason.TOO_LARGE);

        assertThat(e.getMessage())
                .startsWith("module 'rust.wasm' rejected (too_large)")
                .contains(rust.length + " bytes")
                .contains("size cap of 1000 bytes");
    }

    @Test
    void theCapIsInclusive() {
        registry = new ChicoryModuleRegistry(new RegistrySettings(1000, ExecutionMode.COMPILED));
        byte[] exactly = padTo(wat("no-guest-call"), 1000);
        byte[] oneMore = padTo(wat("no-guest-call"), 1001);
        assertThat(exactly).hasSize(1000);
        assertThat(oneMore).hasSize(1001);

        rejected("one-more.wasm", oneMore, Reason.TOO_LARGE);
        assertThat(registry.install("exactly.wasm", exactly).descriptor().sizeBytes()).isEqualTo(1000);
    }

    @Test
    void garbageOverTheCapIsTooLargeBeforeAnythingElse() {
        registry = new ChicoryModuleRegistry(new RegistrySettings(1000, ExecutionMode.COMPILED));
        rejected("big-garbage.bin", new byte[5000], Reason.TOO_LARGE);
    }

    @Test
    void missingFileIsUnreadable(@TempDir Path dir) {
        Path missing = dir.resolve("missing.wasm");

        ModuleRejectedException e = rejectedFile(missing, Reason.UNREADABLE);

        assertThat(e.moduleName()).isEqualTo("missing.wasm");
        assertThat(e.getMessage()).startsWith("module 'missing.wasm' rejected (unreadable)").contains(missing.toString());
        assertThat(e.getCause()).isInstanceOf(IOException.class);
    }

    @Test
    void directoryIsUnreadable(@TempDir Path dir) throws IOException {
        Path sub = Files.createDirectory(dir.resolve("not-a-file.wasm"));

        ModuleRejectedException e = rejectedFile(sub, Reason.UNREADABLE);

        assertThat(e.getMessage()).contains("'not-a-file.wasm'");
    }

    @Test
    void nullPathIsAnArgumentError() {
        assertThatThrownBy(() -> registry.install((Path) null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no module file");
    }

    @Test
    void fileOverTheCapIsTooLargeWithoutReadingIt(@TempDir Path dir) throws IOException {
        // A sparse 3 GiB file: reading it whole would not even fit a Java array.
        Path huge = dir.resolve("huge.wasm");
        long size = 3L * 1024 * 1024 * 1024;
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.write(TestModules.EMPTY_MODULE);
            f.setLength(size);
        }

        long start = System.nanoTime();
        ModuleRejectedException e = rejectedFile(huge, Reason.TOO_LARGE);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(e.getMessage())
                .startsWith("module 'huge.wasm' rejected (too_large)")
                .contains(size + " bytes")
                .contains("size cap of " + RegistrySettings.DEFAULT_MAX_MODULE_BYTES + " bytes");
        assertThat(millis).as("rejecting by size must not read the file").isLessThan(2_000);
    }

    @Test
    void smallCapAppliesToFiles(@TempDir Path dir) throws IOException {
        registry = new ChicoryModuleRegistry(new RegistrySettings(1000, ExecutionMode.COMPILED));
        Path file = dir.resolve("rust.wasm");
        Files.write(file, bytes(TestModules.RUST));

        ModuleRejectedException e = rejectedFile(file, Reason.TOO_LARGE);

        assertThat(e.getMessage()).contains("size cap of 1000 bytes");
    }

    @Test
    void streamsAreReadOnlyUpToTheCap() {
        registry = new ChicoryModuleRegistry(new RegistrySettings(1000, ExecutionMode.COMPILED));
        long[] read = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                read[0]++;
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                read[0] += len;
                return len;
            }
        };

        ModuleRejectedException e = catchThrowableOfType(ModuleRejectedException.class,
                () -> registry.readCapped("stream.wasm", endless));

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).contains("'stream.wasm'").contains("more than 1000 bytes").contains("cap of 1000");
        assertThat(read[0]).isLessThanOrEqualTo(1001);
    }

    @Test
    void streamsUnderTheCapAreReadWhole() throws IOException {
        byte[] bytes = wat("no-guest-call");
        assertThat(registry.readCapped("s", new java.io.ByteArrayInputStream(bytes))).isEqualTo(bytes);
    }

    /** Asserts the rejection, its reason and its message, and that nothing was registered. */
    private ModuleRejectedException rejected(String name, byte[] bytes, Reason reason) {
        List<ModuleDescriptor> before = registry.list();
        ModuleRejectedException e = catchThrowableOfType(ModuleRejectedException.class, () -> registry.install(name, bytes));
        assertThat(e).as("install of %s should be rejected", name).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        String label = name == null ? "unnamed" : name;
        assertThat(e.moduleName()).isEqualTo(label);
        assertThat(e.getMessage()).startsWith("module '" + label + "' rejected (" + reason.name().toLowerCase() + "): ");
        assertThat(registry.list()).isEqualTo(before);
        if (bytes != null && bytes.length > 0) {
            assertThat(registry.find(ChicoryModuleRegistry.sha256(bytes))).isEmpty();
        }
        return e;
    }

    private ModuleRejectedException rejectedFile(Path file, Reason reason) {
        List<ModuleDescriptor> before = registry.list();
        ModuleRejectedException e = catchThrowableOfType(ModuleRejectedException.class, () -> registry.install(file));
        assertThat(e).as("install of %s should be rejected", file).isNotNull();
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
        assertThat(e.moduleName()).isEqualTo(file.getFileName().toString());
        assertThat(e.getMessage()).startsWith("module '" + file.getFileName() + "' rejected ("
                + reason.name().toLowerCase() + "): ");
        assertThat(registry.list()).isEqualTo(before);
        return e;
    }

    /** The module with a custom section appended that brings it to exactly {@code total} bytes. */
    private static byte[] padTo(byte[] module, int total) {
        for (int payload = total - module.length; payload >= 0; payload--) {
            byte[] padded = TestModules.withCustomSection(module, "pad", new byte[payload]);
            if (padded.length == total) {
                return padded;
            }
        }
        throw new IllegalArgumentException("cannot pad to " + total);
    }
}
