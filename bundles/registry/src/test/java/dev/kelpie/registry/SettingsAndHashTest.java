package dev.kelpie.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.ModuleHash;
import java.lang.annotation.Annotation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsAndHashTest {
    private static final String HASH = "0123456789abcdef".repeat(4);

    @Test
    void defaults() {
        assertThat(RegistrySettings.DEFAULTS.maxModuleBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(RegistrySettings.DEFAULTS.executionMode()).isEqualTo(ExecutionMode.COMPILED);
        assertThat(RegistrySettings.DEFAULTS.withMaxModuleBytes(5))
                .isEqualTo(new RegistrySettings(5, ExecutionMode.COMPILED));
        assertThat(RegistrySettings.DEFAULTS.withExecutionMode(ExecutionMode.INTERPRETED).executionMode())
                .isEqualTo(ExecutionMode.INTERPRETED);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void nonPositiveCapsAreRejected(long cap) {
        assertThatThrownBy(() -> new RegistrySettings(cap, ExecutionMode.COMPILED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxModuleBytes must be positive, was " + cap);
        assertThatThrownBy(() -> RegistrySettings.DEFAULTS.withMaxModuleBytes(cap))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void capsBeyondAJavaArrayAreRejected() {
        assertThatThrownBy(() -> new RegistrySettings(Integer.MAX_VALUE, ExecutionMode.COMPILED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fit a Java array");
        assertThat(new RegistrySettings(Integer.MAX_VALUE - 8, ExecutionMode.COMPILED).maxModuleBytes())
                .isEqualTo(Integer.MAX_VALUE - 8);
        assertThat(new RegistrySettings(1, ExecutionMode.COMPILED).maxModuleBytes()).isEqualTo(1);
    }

    @Test
    void executionModeIsRequired() {
        assertThatThrownBy(() -> new RegistrySettings(1000, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("executionMode");
    }

    @Test
    void executionModeParsesAnyCase() {
        assertThat(ExecutionMode.parse("compiled")).isEqualTo(ExecutionMode.COMPILED);
        assertThat(ExecutionMode.parse(" Interpreted ")).isEqualTo(ExecutionMode.INTERPRETED);
        assertThat(ExecutionMode.parse("COMPILED")).isEqualTo(ExecutionMode.COMPILED);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"aot", "jit", "compile"})
    void badExecutionModeNamesTheValueAndTheChoices(String text) {
        assertThatThrownBy(() -> ExecutionMode.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown execution mode '" + text + "': expected 'compiled' or 'interpreted'");
    }

    @Test
    void configurationBuildsTheSettings() {
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(config(4096, "Interpreted"));
        assertThat(registry.settings()).isEqualTo(new RegistrySettings(4096, ExecutionMode.INTERPRETED));
        assertThat(registry.maxModuleBytes()).isEqualTo(4096);

        assertThatThrownBy(() -> new ChicoryModuleRegistry(config(4096, "turbo")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'turbo'");
        assertThatThrownBy(() -> new ChicoryModuleRegistry(config(0, "compiled")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
    }

    @Test
    void configurationSetsTheTableCap() {
        ChicoryModuleRegistry registry = new ChicoryModuleRegistry(config(4096, "compiled", 500));
        assertThat(registry.settings().maxTableEntries()).isEqualTo(500);
        assertThat(RegistrySettings.DEFAULTS.maxTableEntries()).isEqualTo(10_000_000);
        assertThat(new RegistrySettings(4096, ExecutionMode.COMPILED).maxTableEntries()).isEqualTo(10_000_000);
        assertThat(RegistrySettings.DEFAULTS.withMaxTableEntries(7).withExecutionMode(ExecutionMode.INTERPRETED))
                .isEqualTo(new RegistrySettings(RegistrySettings.DEFAULT_MAX_MODULE_BYTES, ExecutionMode.INTERPRETED, 7));
        assertThatThrownBy(() -> new ChicoryModuleRegistry(config(4096, "compiled", -1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxTableEntries");
    }

    @Test
    void hashParsesSixtyFourHexDigits() {
        ModuleHash h = ModuleHash.parse(HASH);
        assertThat(h.hex()).isEqualTo(HASH);
        assertThat(h.toString()).isEqualTo(HASH);
        assertThat(h.shortHex()).isEqualTo("0123456789ab");
        assertThat(ModuleHash.parse("  " + HASH.toUpperCase() + "\n")).isEqualTo(h).hasSameHashCodeAs(h);
        assertThat(ModuleHash.parse("f".repeat(64))).isGreaterThan(h);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "0123456789ab",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"})
    void badHashesAreRejectedNamingTheInput(String text) {
        assertThatThrownBy(() -> ModuleHash.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a SHA-256 module hash (64 hex digits): '" + text + "'");
    }

    @Test
    void nullHashIsRejected() {
        assertThatThrownBy(() -> ModuleHash.parse(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("module hash");
    }

    @Test
    void hashOfDigest() {
        byte[] digest = new byte[32];
        for (int i = 0; i < 32; i++) {
            digest[i] = (byte) (i * 8 + 7);
        }
        ModuleHash h = ModuleHash.of(digest);
        assertThat(h.hex()).hasSize(64).startsWith("070f171f").endsWith("f7ff");
        assertThat(h).isEqualTo(ModuleHash.parse(h.hex()));

        assertThatThrownBy(() -> ModuleHash.of(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> ModuleHash.of(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModuleHash.of(new byte[33])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void registryHashIsSha256OfTheBytes() {
        byte[] bytes = TestModules.wat("no-guest-call");
        assertThat(ChicoryModuleRegistry.sha256(bytes).hex()).isEqualTo(TestModules.sha256Hex(bytes));
        // SHA-256 of no bytes, a well-known value.
        assertThat(ChicoryModuleRegistry.sha256(new byte[0]).hex())
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    private static ChicoryModuleRegistry.Config config(long max, String mode) {
        return config(max, mode, RegistrySettings.DEFAULT_MAX_TABLE_ENTRIES);
    }

    private static ChicoryModuleRegistry.Config config(long max, String mode, int maxTableEntries) {
        return new ChicoryModuleRegistry.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ChicoryModuleRegistry.Config.class;
            }

            @Override
            public long max__module__bytes() {
                return max;
            }

            @Override
            public String execution__mode() {
                return mode;
            }

            @Override
            public int max__table__entries() {
                return maxTableEntries;
            }

            @Override
            public boolean compile__cache__enabled() {
                return false;
            }

            @Override
            public String compile__cache__dir() {
                return ChicoryModuleRegistry.DEFAULT_COMPILE_CACHE_DIR;
            }

            @Override
            public long compile__cache__max__bytes() {
                return ChicoryModuleRegistry.DEFAULT_COMPILE_CACHE_MAX_BYTES;
            }
        };
    }
}
