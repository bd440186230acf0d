package dev.kelpie.extender;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import dev.kelpie.embedded.Kelpie;
import dev.kelpie.extender.BundleDeploymentsTest.FakeBundle;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several bundles deploy at once, and the outcome is the same as one after another: each test holds a
 * deployment on its deploy thread with latches (a gate per actor type in the deployer) to force the
 * interleaving it is about.
 */
@Timeout(60)
class ParallelDeploymentsTest {
    static final long WAIT = 10;
    final Kelpie kelpie = Kelpie.builder().build();
    /** Deployments of these types wait here on their deploy thread (after entering) until released. */
    final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    final Map<String, CountDownLatch> entered = new ConcurrentHashMap<>();
    /** Deployments from these bundles (symbolic names) fail, after their gate, with this message. */
    final Map<String, String> failing = new ConcurrentHashMap<>();
    final ModuleDeployer gated = new ModuleDeployer() {
        @Override
        public DeployResult deploy(DeployRequest request) {
            String type = request.type();
            entered.computeIfAbsent(type, t -> new CountDownLatch(1)).countDown();
            CountDownLatch gate = gates.get(type);
            if (gate != null) {
                try {
                    if (!gate.await(WAIT, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("test: the gate of " + type + " was not opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            String failure = failing.get(request.moduleName().substring(0, request.moduleName().indexOf('!')));
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
            return kelpie.deployer().deploy(request);
        }

        @Override
        public Optional<UndeployResult> undeploy(String type) throws DeploymentException {
            return kelpie.deployer().undeploy(type);
        }
    };
    final BundleDeployments deployments = new BundleDeployments(gated, kelpie.actors(),
            () -> kelpie.registry().maxModuleBytes(), (hash, code) -> false, BundleDeploymentsTest.GRACE, 2);

    @AfterEach
    void close() {
        gates.values().forEach(CountDownLatch::countDown);
        deployments.close(10_000);
        kelpie.close();
    }

    static FakeBundle counter(long id, String type) {
        return new FakeBundle(id, type + ";path=wasm/counter.wasm",
                Map.of("wasm/counter.wasm", BundleDeploymentsTest.resource("/wasm/rust/counter.wasm")));
    }

    CountDownLatch gate(String type) {
        return gates.computeIfAbsent(type, t -> new CountDownLatch(1));
    }

    boolean entered(String type) throws InterruptedException {
        return entered.computeIfAbsent(type, t -> new CountDownLatch(1)).await(WAIT, TimeUnit.SECONDS);
    }

    @Test
    void twoBundlesDeployAtOnce() throws Exception {
        gate("a");
        deployments.started(counter(1, "a"));
        assertThat(entered("a")).isTrue();
        // a's deployment is held on its deploy thread; one after another, b would wait behind it
        deployments.started(counter(2, "b"));
        assertThat(entered("b")).as("b deploys while a's deployment is under way").isTrue();
        TestAwait.until("b deployed", () -> kelpie.actors().type("b").isPresent());
        assertThat(kelpie.actors().type("a")).isEmpty();
        gate("a").countDown();
        deployments.flush(10_000);
        assertThat(kelpie.actors().types()).extracting(t -> t.name()).containsExactlyInAnyOrder("a", "b");
        assertThat(deployments.problems()).isEmpty();
        assertThat(deployments.deployThreadCount()).isEqualTo(2);
    }

    @Test
    void aStopAndUninstallWaitForTheBundlesDeploymentUnderWay() throws Exception {
        gate("a");
        FakeBundle a = counter(1, "a");
        deployments.started(a);
        assertThat(entered("a")).isTrue();
        a.active = false;
        deployments.stopped(1);
        deployments.uninstalled(1);
        // had the stop run before the deployment ended, it would have found nothing to suspend, and the
        // deployment would have left type a behind
        gate("a").countDown();
        deployments.flush(10_000);
        assertThat(kelpie.actors().types()).isEmpty();
        assertThat(kelpie.registry().list()).isEmpty();
    }

    @Test
    void aTypeClaimedByADeploymentUnderWayGoesToItWhenItSucceeds() throws Exception {
        gate("t");
        deployments.started(counter(1, "t"));
        assertThat(entered("t")).isTrue();
        deployments.started(counter(2, "t")); // the same type: waits for bundle 1's outcome
        deployments.started(counter(3, "c")); // unrelated: not held up
        TestAwait.until("c deployed", () -> kelpie.actors().type("c").isPresent());
        gate("t").countDown();
        deployments.flush(10_000);
        assertThat(deployments.problems()).singleElement().asString()
                .isEqualTo("module bundle test.module.2 1.0.0 not deployed: bundle test.module.2 1.0.0: actor type 't' is "
                        + "already provided by bundle 1");
    }

    @Test
    void aTypeClaimedByADeploymentThatFailsGoesToTheNextBundle() throws Exception {
        gate("t");
        failing.put("test.module.1", "boom");
        deployments.started(counter(1, "t"));
        assertThat(entered("t")).isTrue();
        deployments.started(counter(2, "t")); // waits for bundle 1's outcome instead of being refused
        gate("t").countDown();
        deployments.flush(10_000);
        assertThat(deployments.problems()).singleElement().asString()
                .isEqualTo("module bundle test.module.1 1.0.0 not deployed: boom");
        assertThat(kelpie.actors().type("t")).as("bundle 2 deployed t once bundle 1 had failed").isPresent();
    }

    @Test
    void problemsAreRecordedInTheOrderTheDeploymentsBegan() throws Exception {
        gate("a");
        failing.put("test.module.1", "a failed");
        failing.put("test.module.2", "b failed");
        deployments.started(counter(1, "a"));
        assertThat(entered("a")).isTrue();
        deployments.started(counter(2, "b"));
        assertThat(entered("b")).isTrue();
        // b has failed on its deploy thread while a is still held; a's failure is recorded first all the same
        Thread.sleep(50);
        assertThat(deployments.problems()).isEmpty();
        gate("a").countDown();
        deployments.flush(10_000);
        assertThat(deployments.problems()).containsExactly("module bundle test.module.1 1.0.0 not deployed: a failed",
                "module bundle test.module.2 1.0.0 not deployed: b failed");
    }

    @Test
    void deployThreadsAreBounded() {
        BundleDeployments byProcessors = new BundleDeployments(gated, kelpie.actors(), () -> 1, 0);
        try {
            assertThat(byProcessors.deployThreadCount()).isBetween(1, BundleDeployments.MAX_DEFAULT_DEPLOY_THREADS);
        } finally {
            byProcessors.close(1000);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BundleDeployments(gated, kelpie.actors(), () -> 1,
                        (h, c) -> false, 1, BundleDeployments.MAX_DEPLOY_THREADS + 1))
                .hasMessageContaining("deploy_threads is 65");
    }

    /** Bounded polling for a condition. */
    static final class TestAwait {
        static void until(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
            BundleDeploymentsTest.await(what, condition);
        }
    }
}
