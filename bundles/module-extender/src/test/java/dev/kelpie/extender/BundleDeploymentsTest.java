package dev.kelpie.extender;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.embedded.Kelpie;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The extender's work on its own thread, with a real deployer and runtime and stand-in bundles. */
@Timeout(60)
class BundleDeploymentsTest {
    static final long GRACE = 300;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Kelpie kelpie = Kelpie.builder().hostFunction("block", "wait", call -> {
        entered.countDown();
        release.await();
        return "released".getBytes(UTF_8);
    }).build();
    final BundleDeployments deployments = new BundleDeployments(kelpie.deployer(), kelpie.actors(),
            () -> kelpie.registry().maxModuleBytes(), GRACE);

    @AfterEach
    void close() {
        release.countDown();
        deployments.close(10_000);
        kelpie.close();
    }

    static byte[] resource(String path) {
        try (InputStream in = BundleDeploymentsTest.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stand-in bundle: an id, a header and entries. */
    static final class FakeBundle implements ModuleBundle {
        final long id;
        final String header;
        final Map<String, byte[]> entries;
        volatile boolean active = true;

        FakeBundle(long id, String header, Map<String, byte[]> entries) {
            this.id = id;
            this.header = header;
            this.entries = entries;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public String name() {
            return "test.module." + id + " 1.0.0";
        }

        @Override
        public String symbolicName() {
            return "test.module." + id;
        }

        @Override
        public String header() {
            return header;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public InputStream open(String path) {
            byte[] b = entries.get(path);
            return b == null ? null : new ByteArrayInputStream(b);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aStopHandsTheSuspensionOverAndReturnsWhileATurnIsInFlight() throws Exception {
        FakeBundle b = new FakeBundle(1, "tb;path=wasm/testbed.wasm;namespaces=\"block\"",
                Map.of("wasm/testbed.wasm", resource("/wasm/rust/testbed.wasm")));
        deployments.started(b);
        deployments.flush(10_000);
        assertThat(kelpie.actors().type("tb")).map(ActorType::hostNamespaces).contains(java.util.Set.of("block"));

        CompletableFuture<byte[]> inFlight = kelpie.actor("tb", "t1")
                .invoke("host_call", "kelpie\nblock\nwait\n".getBytes(UTF_8)).toCompletableFuture();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        b.active = false;
        deployments.stopped(1); // what the framework's callback calls: it must not wait for the turn
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
        // a message sent now waits for the type to come back
        CompletableFuture<byte[]> held = kelpie.actor("tb", "t1").invoke("echo", "held".getBytes(UTF_8)).toCompletableFuture();

        release.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("released");
        await("t1 passivated", () -> kelpie.actors().actors().isEmpty());
        // the bundle comes back within the grace: the held message runs
        b.active = true;
        deployments.started(b);
        assertThat(held.get(10, TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("held");
    }

    @Test
    void anUpdateWithinTheGraceHotSwapsAndAStopWithoutReturnRemovesAfterIt() throws Exception {
        FakeBundle v1 = new FakeBundle(2, "c;path=wasm/counter.wasm", Map.of("wasm/counter.wasm", resource("/wasm/rust/counter.wasm")));
        deployments.started(v1);
        deployments.flush(10_000);
        ModuleHash m1 = kelpie.actors().type("c").orElseThrow().module();
        assertThat(kelpie.actor("c", "x").call("increment", "5".getBytes(UTF_8))).asString(UTF_8).isEqualTo("5");

        v1.active = false;
        deployments.stopped(2);
        deployments.updated(2);
        FakeBundle v2 = new FakeBundle(2, "c;path=wasm/other.wasm;timeout=7s",
                Map.of("wasm/other.wasm", resource("/wasm/assemblyscript/testbed.wasm")));
        deployments.started(v2);
        deployments.flush(10_000);
        ActorType swapped = kelpie.actors().type("c").orElseThrow();
        assertThat(swapped.module()).isNotEqualTo(m1);
        assertThat(swapped.limits().invocationTimeout()).hasSeconds(7);
        assertThat(kelpie.registry().find(m1)).as("the old module left the registry").isEmpty();

        v2.active = false;
        deployments.stopped(2);
        deployments.flush(10_000);
        assertThat(kelpie.actors().type("c")).as("suspended, not removed, during the grace").isPresent();
        await("type removed after the grace", () -> kelpie.actors().type("c").isEmpty());
        assertThat(kelpie.registry().list()).isEmpty();
    }

    @Test
    void theHeaderGivesAWasiTypeItsArgumentsEnvironmentAndADirectory(@TempDir Path data) throws Exception {
        try (Kelpie withData = Kelpie.builder().dataDirectory(data).build()) {
            BundleDeployments d = new BundleDeployments(withData.deployer(), withData.actors(),
                    () -> withData.registry().maxModuleBytes(), GRACE);
            try {
                FakeBundle b = new FakeBundle(7, "files;path=wasm/files.wasm;args=\"files,-v\";env=\"MODE=bundle\";"
                        + "dir=bundle/files;dir-mode=rw", Map.of("wasm/files.wasm", resource("/wasm/c/wasi-files/wasi-files.wasm")));
                d.started(b);
                d.flush(30_000);
                assertThat(d.problems()).isEmpty();
                ActorType type = withData.actors().type("files").orElseThrow();
                Path dir = data.resolve("wasi/bundle/files").toRealPath();
                assertThat(type.environment().directory()).isEqualTo(dir.toString());
                assertThat(type.environment().writable()).isTrue();
                assertThat(withData.actor("files", "f").call("args", new byte[0])).asString(UTF_8).isEqualTo("files|-v");
                assertThat(withData.actor("files", "f").call("env", new byte[0])).asString(UTF_8).isEqualTo("MODE=bundle");
                assertThat(withData.actor("files", "f").call("write", "/data/a.txt\nfrom a bundle".getBytes(UTF_8)))
                        .asString(UTF_8).isEqualTo("ok");
                assertThat(dir.resolve("a.txt")).hasContent("from a bundle");

                // a header over a limit: the bundle is not deployed, and the problem names it
                FakeBundle over = new FakeBundle(8, "big;path=wasm/files.wasm;args=\"" + "a,".repeat(65) + "\"",
                        Map.of("wasm/files.wasm", resource("/wasm/c/wasi-files/wasi-files.wasm")));
                d.started(over);
                d.flush(30_000);
                assertThat(withData.actors().type("big")).isEmpty();
                assertThat(d.problems()).singleElement().asString().contains("test.module.8")
                        .contains("over the limit of 64 (max_wasi_entries)");
            } finally {
                d.close(10_000);
            }
        }
    }

    @Test
    void aBundleThatFailsHalfWayLeavesNothingBehind() throws Exception {
        FakeBundle b = new FakeBundle(3, "c;path=wasm/counter.wasm,missing;path=wasm/missing.wasm",
                Map.of("wasm/counter.wasm", resource("/wasm/rust/counter.wasm")));
        deployments.started(b);
        deployments.flush(10_000);
        assertThat(kelpie.actors().types()).isEmpty();
        assertThat(kelpie.registry().list()).isEmpty();
        assertThat(deployments.problems()).singleElement().asString()
                .contains("module bundle test.module.3 1.0.0 not deployed").contains("has no entry wasm/missing.wasm");
    }

    @Test
    void anUninstallRemovesAtOnce() throws Exception {
        FakeBundle b = new FakeBundle(4, "c;path=wasm/counter.wasm", Map.of("wasm/counter.wasm", resource("/wasm/rust/counter.wasm")));
        deployments.started(b);
        b.active = false;
        deployments.stopped(4);
        deployments.uninstalled(4);
        deployments.flush(10_000);
        assertThat(kelpie.actors().types()).isEmpty();
        assertThat(kelpie.registry().list()).isEmpty();
    }
    @Test
    void closingRemovesEverythingIncludingBundlesStoppedOnTheWay() throws Exception {
        FakeBundle a = new FakeBundle(5, "c;path=wasm/counter.wasm", Map.of("wasm/counter.wasm", resource("/wasm/rust/counter.wasm")));
        FakeBundle b = new FakeBundle(6, "tb;path=wasm/testbed.wasm", Map.of("wasm/testbed.wasm", resource("/wasm/rust/testbed.wasm")));
        deployments.started(a);
        deployments.started(b);
        deployments.flush(10_000);
        assertThat(kelpie.actors().types()).hasSize(2);
        // what deactivation does: the tracker closes (a stop for every bundle), then the extender closes
        a.active = false;
        b.active = false;
        deployments.stopped(5);
        deployments.stopped(6);
        deployments.close(10_000);
        assertThat(kelpie.actors().types()).isEmpty();
        assertThat(kelpie.registry().list()).isEmpty();
        assertThat(deployments.problems()).isEmpty();
        deployments.started(a); // after close: ignored, no exception
        assertThat(kelpie.actors().types()).isEmpty();
    }
}
