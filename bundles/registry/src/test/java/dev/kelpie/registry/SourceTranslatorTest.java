package dev.kelpie.registry;

import static dev.kelpie.registry.TestModules.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.wasm.ChicoryModule;
import dev.kelpie.api.wasm.SourceTranslator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Sources installed through a {@link SourceTranslator} (the Python adapter's .py, here a stand-in). */
class SourceTranslatorTest {
    private final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    /** ".src": the Rust testbed with the source in a custom section. */
    private static final SourceTranslator SRC = new SourceTranslator() {
        @Override
        public String extension() {
            return ".src";
        }

        @Override
        public byte[] translate(String name, byte[] source) {
            if (source.length > 100) {
                throw new ModuleRejectedException(name, ModuleRejectedException.Reason.TOO_LARGE, "a long source");
            }
            return TestModules.withCustomSection(bytes(TestModules.RUST), "source", source);
        }
    };

    @Test
    void aSourceIsInstalledAsTheModuleItsTranslatorMakes() {
        registry.addSourceTranslator(SRC);
        CompiledModule module = registry.install("actor.SRC", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(module.descriptor().name()).isEqualTo("actor.SRC");
        assertThat(ChicoryModule.of(module).customSection("source"))
                .hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("hello"));
        assertThat(module.descriptor().hash()).isEqualTo(dev.kelpie.api.module.ModuleHash.sha256(
                TestModules.withCustomSection(bytes(TestModules.RUST), "source", "hello".getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> registry.install("long.src", new byte[200])).isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("a long source");
    }

    @Test
    void withoutATranslatorASourceIsNotWebAssembly() {
        assertThatThrownBy(() -> registry.install("actor.src", "hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("not a WebAssembly binary")
                .hasMessageNotContaining("sources are installed");
        registry.addSourceTranslator(SRC);
        assertThatThrownBy(() -> registry.install("actor.txt", "hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModuleRejectedException.class)
                .hasMessageContaining("not a WebAssembly binary").hasMessageContaining("sources are installed from files named *.src");
        assertThatThrownBy(() -> registry.install("actor.wasm", "hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModuleRejectedException.class).hasMessageNotContaining("sources are installed");
        registry.removeSourceTranslator(SRC);
        assertThatThrownBy(() -> registry.install("actor.src", "hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ModuleRejectedException.class).hasMessageContaining("not a WebAssembly binary");
    }
}
