package dev.kelpie.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.CompileCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An embedded Kelpie with a data directory keeps its compiled modules there across restarts. */
class CompileCacheEmbeddingTest {
    @TempDir
    Path data;

    @Test
    void aRestartOnTheSameDataDirectoryLoadsTheCompiledModule() throws Exception {
        byte[] echo = resource("/wasm/rust/echo.wasm");
        try (Kelpie first = Kelpie.builder().dataDirectory(data).build()) {
            first.deployer().deploy(DeployRequest.of("echo", "echo.wasm", echo));
            assertThat(cache(first).writes()).isEqualTo(1);
        }
        try (Kelpie second = Kelpie.builder().dataDirectory(data).build()) {
            second.deployer().deploy(DeployRequest.of("echo", "echo.wasm", echo));
            assertThat(cache(second).hits()).isEqualTo(1);
            assertThat(cache(second).writes()).isZero();
            assertThat(second.actor("echo", "a").call("echo", "hi".getBytes(UTF_8))).asString(UTF_8).isEqualTo("hi");
        }
    }

    @Test
    void theCacheCanBeTurnedOffOrPutElsewhere() {
        try (Kelpie off = Kelpie.builder().dataDirectory(data).noCompileCache().build()) {
            assertThat(((ChicoryModuleRegistry) off.registry()).compileCache()).isEmpty();
        }
        try (Kelpie memory = Kelpie.builder().build()) {
            assertThat(((ChicoryModuleRegistry) memory.registry()).compileCache()).isEmpty();
        }
        try (Kelpie elsewhere = Kelpie.builder().compileCache(data.resolve("code"), 1 << 20).build()) {
            assertThat(cache(elsewhere).directory()).isEqualTo(data.resolve("code").toAbsolutePath());
        }
    }

    private static CompileCache cache(Kelpie kelpie) {
        return ((ChicoryModuleRegistry) kelpie.registry()).compileCache().orElseThrow();
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = CompileCacheEmbeddingTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }
}
