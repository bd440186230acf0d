package dev.kelpie.extender;

import static dev.kelpie.extender.BundleDeploymentsTest.resource;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.embedded.Kelpie;
import dev.kelpie.registry.Precompile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A module bundle's build-time compiled code ({@code PATH.compiled}) offered to the registry. */
@Timeout(60)
class CompiledCodeOfferTest {
    record Offer(ModuleHash module, byte[] code, boolean taken) {}

    final Kelpie kelpie = Kelpie.builder().build();
    final List<Offer> offers = new ArrayList<>();
    final BundleDeployments deployments = new BundleDeployments(kelpie.deployer(), kelpie.actors(),
            () -> kelpie.registry().maxModuleBytes(), (module, code) -> {
                boolean taken = kelpie.registry().offerCompiledCode(module, code);
                synchronized (offers) {
                    offers.add(new Offer(module, code, taken));
                }
                return taken;
            }, 300);

    @AfterEach
    void close() {
        deployments.close(10_000);
        kelpie.close();
    }

    @Test
    void theCodeBesideAModuleIsOfferedAndTaken() throws Exception {
        byte[] echo = resource("/wasm/rust/echo.wasm");
        byte[] code = Precompile.compile(echo);
        deployments.started(new BundleDeploymentsTest.FakeBundle(1, "echo;path=wasm/echo.wasm",
                Map.of("wasm/echo.wasm", echo, "wasm/echo.wasm" + BundleDeployments.COMPILED_SUFFIX, code)));
        deployments.flush(10_000);

        assertThat(offers).singleElement().satisfies(o -> {
            assertThat(o.module()).isEqualTo(ModuleHash.sha256(echo));
            assertThat(o.code()).isEqualTo(code);
            assertThat(o.taken()).isTrue();
        });
        assertThat(kelpie.actor("echo", "a").call("echo", "hi".getBytes(UTF_8))).asString(UTF_8).isEqualTo("hi");
        assertThat(deployments.problems()).isEmpty();
    }

    @Test
    void staleCodeIsRefusedAndTheModuleCompiledAndDeployed() throws Exception {
        byte[] echo = resource("/wasm/rust/echo.wasm");
        byte[] staleCode = Precompile.compile(resource("/wasm/rust/counter.wasm")); // the module was rebuilt since
        deployments.started(new BundleDeploymentsTest.FakeBundle(2, "echo;path=wasm/echo.wasm",
                Map.of("wasm/echo.wasm", echo, "wasm/echo.wasm" + BundleDeployments.COMPILED_SUFFIX, staleCode)));
        deployments.flush(10_000);

        assertThat(offers).singleElement().extracting(Offer::taken).isEqualTo(false);
        assertThat(kelpie.actor("echo", "a").call("echo", "hi".getBytes(UTF_8))).asString(UTF_8).isEqualTo("hi");
        assertThat(deployments.problems()).isEmpty();
    }

    @Test
    void withoutCodeNothingIsOffered() throws Exception {
        deployments.started(new BundleDeploymentsTest.FakeBundle(3, "echo;path=wasm/echo.wasm",
                Map.of("wasm/echo.wasm", resource("/wasm/rust/echo.wasm"))));
        deployments.flush(10_000);

        assertThat(offers).isEmpty();
        assertThat(kelpie.actor("echo", "a").call("echo", "hi".getBytes(UTF_8))).asString(UTF_8).isEqualTo("hi");
    }
}
