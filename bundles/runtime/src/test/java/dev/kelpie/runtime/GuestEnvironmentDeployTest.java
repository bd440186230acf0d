package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.DeploymentException.Reason;
import dev.kelpie.api.wasm.GuestEnvironment;
import dev.kelpie.guest.wasi.WasiAdapter;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A type's WASI guest environment through the deployer: carried type → instance, its directory resolved
 * and created under the WASI root, every limit refused at deployment naming the module, type and limit.
 */
@Timeout(60)
class GuestEnvironmentDeployTest {
    @TempDir
    Path data;
    /** Shared: the C module is compiled once for all the tests. */
    static final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);
    final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    final KelpieActorRuntime runtime;

    GuestEnvironmentDeployTest() {
        host.addGuestAdapter(new WasiAdapter());
        runtime = new KelpieActorRuntime(registry, host, new InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    private DeploymentService deployer() {
        return new DeploymentService(registry, host, runtime,
                GuestEnvironmentRules.DEFAULTS.withWasiRoot(data.resolve("wasi")));
    }

    private static DeployRequest files(String type, GuestEnvironment env) {
        return DeployRequest.of(type, "wasi-files.wasm", RuntimeFixture.bytes("/wasm/c/wasi-files/wasi-files.wasm"))
                .withEnvironment(env);
    }

    private String call(String type, String operation, String payload) {
        return new String(runtime.ref(type, "a").call(operation, payload.getBytes(UTF_8)), UTF_8);
    }

    @Test
    void aTypesArgumentsVariablesAndDirectoryReachItsActors() throws IOException {
        GuestEnvironment env = GuestEnvironment.NONE.withArguments(List.of("files", "-v"))
                .withVariables(Map.of("MODE", "test")).withDirectory("files/a", true);
        ActorType type = deployer().deploy(files("files", env)).type();

        Path dir = data.resolve("wasi/files/a").toRealPath();
        assertThat(type.environment().directory()).isEqualTo(dir.toString());
        assertThat(type.environment().directoryQuota()).isEqualTo(GuestEnvironmentRules.DEFAULT_MAX_DIRECTORY_QUOTA);
        assertThat(call("files", "args", "")).isEqualTo("files|-v");
        assertThat(call("files", "env", "")).isEqualTo("MODE=test");
        assertThat(call("files", "write", "/data/note.txt\nkept")).isEqualTo("ok");
        assertThat(dir.resolve("note.txt")).hasContent("kept");
        assertThat(call("files", "raw_open", "../..")).isEqualTo("errno=76");
    }

    @Test
    void aHotSwapWithoutAnEnvironmentKeepsTheReplacedTypes() {
        DeploymentService deployer = deployer();
        GuestEnvironment env = GuestEnvironment.NONE.withVariables(Map.of("A", "1")).withDirectory("kept", false);
        ActorType first = deployer.deploy(files("files", env)).type();
        ActorType second = deployer.deploy(DeployRequest.installed("files", first.module())).type();
        assertThat(second.environment()).isEqualTo(first.environment());
        assertThat(call("files", "env", "")).isEqualTo("A=1");
        assertThat(call("files", "write", "/data/x\ny")).isEqualTo("errno=69"); // read-only
    }

    @Test
    void withoutAnEnvironmentATypeGetsNothing() {
        ActorType type = deployer().deploy(files("bare", null)).type();
        assertThat(type.environment()).isEqualTo(GuestEnvironment.NONE);
        assertThat(call("bare", "args", "")).isEmpty();
        assertThat(call("bare", "env", "")).isEmpty();
    }

    @Test
    void tooManyArgumentsAndVariablesAreRefused() {
        List<String> args = Collections.nCopies(40, "a");
        Map<String, String> vars = new java.util.HashMap<>();
        for (int i = 0; i < 25; i++) {
            vars.put("V" + i, "x");
        }
        assertRefused(GuestEnvironment.NONE.withArguments(args).withVariables(vars),
                "65 arguments and variables, over the limit of 64 (max_wasi_entries)");
    }

    @Test
    void argumentsAndVariablesOverTheByteLimitAreRefused() {
        assertRefused(GuestEnvironment.NONE.withVariables(Map.of("BIG", "x".repeat(8188))),
                "take 8193 bytes, over the limit of 8192 (max_wasi_bytes)");
    }

    @Test
    void aQuotaOverTheLimitIsRefused() {
        assertRefused(GuestEnvironment.NONE.withDirectory("q", true).withDirectoryQuota((64L << 20) + 1),
                "quota of 67108865 bytes is over the limit of 67108864 (max_wasi_dir_quota)");
    }

    @Test
    void absoluteAndEscapingDirectoriesAreRefused() {
        assertRefused(GuestEnvironment.NONE.withDirectory(data.resolve("elsewhere").toString(), false),
                "must be relative to the WASI root");
        assertRefused(GuestEnvironment.NONE.withDirectory(".", false), "must name a directory inside the WASI root");
        assertThatThrownBy(() -> GuestEnvironment.NONE.withDirectory("a/../../b", false))
                .hasMessageContaining("contains '..'");
    }

    @Test
    void aDirectoryThatIsALinkOutOfTheRootIsRefused() throws IOException {
        Files.createDirectories(data.resolve("wasi"));
        Files.createSymbolicLink(data.resolve("wasi/out"), Files.createDirectories(data.resolve("outside")));
        assertRefused(GuestEnvironment.NONE.withDirectory("out", false), "which is not a directory inside the WASI root");
    }

    @Test
    void withoutAWasiRootADirectoryIsRefused() {
        DeploymentService noRoot = new DeploymentService(registry, host, runtime);
        assertThatThrownBy(() -> noRoot.deploy(files("files", GuestEnvironment.NONE.withDirectory("d", false))))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("has no WASI root");
    }

    @Test
    void aModuleWithoutWasiImportsIsRefusedAnEnvironment() {
        assertThatThrownBy(() -> deployer().deploy(DeployRequest.of("counter", "counter.wasm",
                RuntimeFixture.bytes("/wasm/rust/counter.wasm")).withEnvironment(GuestEnvironment.NONE.withArguments(List.of("x")))))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("counter.wasm")
                .hasMessageContaining("does not import WASI");
    }

    private void assertRefused(GuestEnvironment env, String message) {
        assertThatThrownBy(() -> deployer().deploy(files("files", env)))
                .isInstanceOf(DeploymentException.class)
                .hasMessageContaining("wasi-files.wasm")
                .hasMessageContaining("files")
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((DeploymentException) e).reason()).isEqualTo(Reason.INVALID_REQUEST));
        assertThat(runtime.type("files")).isEmpty();
    }
}
