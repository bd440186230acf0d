package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.DeploymentException.Reason;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.host.actors.ActorsHostFunctions;
import dev.kelpie.host.log.LogHostFunctions;
import dev.kelpie.host.state.StateHostFunctions;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one deployment path: install, check, deploy, roll back; hot swaps; undeploy; namespaces default. */
class DeploymentServiceTest {
    /**
     * {@code _initialize} loops forever:
     * {@code (module (memory (export "memory") 1) (func (export "_initialize") (loop $l (br $l)))
     * (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))}.
     */
    static final byte[] ENDLESS_INIT = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
        0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00,
        0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x27, 0x03, 0x06, 0x6d, 0x65,
        0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0b, 0x5f, 0x69, 0x6e, 0x69, 0x74,
        0x69, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x00, 0x00, 0x0c, 0x5f, 0x5f, 0x67,
        0x75, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x01, 0x0a,
        0x0e, 0x02, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x04, 0x00,
        0x41, 0x01, 0x0b
    };

    final ChicoryModuleRegistry registry = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withMaxModuleBytes(1 << 20));
    final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    final KelpieActorRuntime runtime;
    final ModuleDeployer deployer;

    DeploymentServiceTest() {
        StateHostFunctions.all().forEach(host::register);
        LogHostFunctions.all().forEach(host::register);
        ActorsHostFunctions.all().forEach(host::register);
        runtime = new KelpieActorRuntime(registry, host, new InMemoryStateStore(),
                RuntimeSettings.DEFAULTS.withShutdownGrace(Duration.ofSeconds(2)));
        deployer = new DeploymentService(registry, host, runtime);
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    static byte[] counter() {
        return RuntimeFixture.bytes("/wasm/rust/counter.wasm");
    }

    static byte[] testbed() {
        return RuntimeFixture.bytes("/wasm/rust/testbed.wasm");
    }

    @Test
    void deploysANewTypeWithTheDefaultLimitsAndTheCoreNamespacesOnly() {
        DeployResult r = deployer.deploy(DeployRequest.of("counter", "counter.wasm", counter()));
        assertThat(r.moduleAdded()).isTrue();
        assertThat(r.isHotSwap()).isFalse();
        assertThat(r.module().name()).isEqualTo("counter.wasm");
        assertThat(r.type().limits()).isEqualTo(runtime.defaultLimits());
        assertThat(r.type().hostNamespaces()).isEmpty();
        assertThat(runtime.type("counter")).contains(r.type());
        assertThat(runtime.ref("counter", "c1").call("increment", "2".getBytes(UTF_8))).asString(UTF_8).isEqualTo("2");

        // the same bytes again, as another type: a cache hit
        DeployResult again = deployer.deploy(DeployRequest.of("tally", "copy.wasm", counter()));
        assertThat(again.moduleAdded()).isFalse();
        assertThat(again.module().hash()).isEqualTo(r.module().hash());
    }

    @Test
    void listenersAreToldAboutCompletedDeploymentsAndUndeploymentsOutsideTheLockAndAThrowingOneDoesNotStopThem() {
        java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        DeploymentService service = (DeploymentService) deployer;
        service.addListener(new dev.kelpie.api.deploy.DeploymentListener() {
            @Override
            public void deployed(DeployRequest request, DeployResult result) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void undeployed(UndeployResult result) {
                throw new IllegalStateException("a broken listener");
            }
        });
        service.addListener(new dev.kelpie.api.deploy.DeploymentListener() {
            @Override
            public void deployed(DeployRequest request, DeployResult result) {
                // off the lock: a listener may deploy through the same deployer (a cluster applying a peer's module)
                if (result.type().name().equals("counter")) {
                    deployer.deploy(DeployRequest.installed("copy", result.module().hash()));
                }
                events.add("deployed " + result.type().name() + " " + result.module().hash() + " bytes="
                        + (request.bytes() == null ? "none" : request.bytes().length));
            }

            @Override
            public void undeployed(UndeployResult result) {
                events.add("undeployed " + result.type().name());
            }
        });
        DeployResult r = deployer.deploy(DeployRequest.of("counter", "counter.wasm", counter()));
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("bad", "endless.wasm", ENDLESS_INIT)
                .withLimits(runtime.defaultLimits().withInvocationTimeout(Duration.ofMillis(200)))))
                .isInstanceOf(DeploymentException.class);
        deployer.undeploy("counter");
        deployer.undeploy("nothing-here");
        assertThat(events).containsExactly(
                "deployed copy " + r.module().hash() + " bytes=none",
                "deployed counter " + r.module().hash() + " bytes=" + counter().length,
                "undeployed counter");
    }

    @Test
    void theCoreNamespacesOnlyIsEnforced() {
        deployer.deploy(DeployRequest.of("tb", "testbed.wasm", testbed()));
        assertThatThrownBy(() -> runtime.ref("tb", "t").call("host_call", "kelpie\nactors\ncall\nx".getBytes(UTF_8)))
                .hasMessageContaining("host namespace 'actors' is not declared");
        deployer.deploy(DeployRequest.of("tb2", "testbed.wasm", testbed()).withHostNamespaces(Set.of("actors")));
        assertThat(runtime.type("tb2").orElseThrow().hostNamespaces()).containsExactly("actors");
    }

    @Test
    void aHotSwapKeepsLimitsAndNamespacesUnlessGivenAndRemovesTheUnusedOldModule() {
        ActorLimits limits = runtime.defaultLimits().withInvocationTimeout(Duration.ofSeconds(7));
        DeployResult first = deployer.deploy(DeployRequest.of("t", "testbed.wasm", testbed())
                .withLimits(limits).withHostNamespaces(Set.of("greeting")));
        DeployResult swap = deployer.deploy(DeployRequest.of("t", "counter.wasm", counter()));
        assertThat(swap.isHotSwap()).isTrue();
        assertThat(swap.replaced()).isEqualTo(first.type());
        assertThat(swap.type().limits()).isEqualTo(limits);
        assertThat(swap.type().hostNamespaces()).containsExactly("greeting");
        assertThat(swap.replacedModuleRemoved()).isTrue();
        assertThat(registry.find(first.module().hash())).isEmpty();

        DeployResult given = deployer.deploy(DeployRequest.installed("t", swap.module().hash())
                .withLimits(runtime.defaultLimits()).withHostNamespaces(Set.of()));
        assertThat(given.type().limits()).isEqualTo(runtime.defaultLimits());
        assertThat(given.type().hostNamespaces()).isEmpty();
        assertThat(given.replacedModuleRemoved()).isFalse();
    }

    @Test
    void aModuleThatCannotBeInstantiatedChangesNothing() {
        DeployResult before = deployer.deploy(DeployRequest.of("t", "counter.wasm", counter()));
        byte[] trap = RuntimeFixture.bytes("/wasm/wat/init-trap.wasm");
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("t", "init-trap.wasm", trap)))
                .isInstanceOfSatisfying(DeploymentException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_INSTANTIABLE);
                    assertThat(e.type()).isEqualTo("t");
                    assertThat(e.module()).startsWith("init-trap.wasm@");
                    assertThat(e.getMessage()).startsWith("module init-trap.wasm@")
                            .contains(" not deployed as type 't': it cannot be instantiated: ");
                });
        // the module it added is gone again, and the type still runs its old code
        assertThat(registry.list()).extracting(d -> d.hash()).containsExactly(before.module().hash());
        assertThat(runtime.type("t")).contains(before.type());
    }

    @Test
    void aModuleAlreadyInstalledIsNotRemovedByARollBack() {
        byte[] unlinkable = RuntimeFixture.bytes("/wasm/wat/unsatisfiable-imports.wasm");
        ModuleHash loaded = registry.install("unlinkable.wasm", unlinkable).descriptor().hash();
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("u", "unlinkable.wasm", unlinkable)))
                .isInstanceOf(DeploymentException.class).hasMessageContaining("cannot be instantiated");
        assertThat(registry.find(loaded)).isPresent();
        assertThat(runtime.type("u")).isEmpty();
    }

    @Test
    @Timeout(20)
    void anInitThatNeverEndsIsInterruptedAtTheInvocationTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("loop", "loop.wasm", ENDLESS_INIT)
                .withLimits(runtime.defaultLimits().withInvocationTimeout(Duration.ofMillis(300)))))
                .isInstanceOfSatisfying(DeploymentException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INIT_TIMEOUT);
                    assertThat(e.getMessage()).contains("not deployed as type 'loop': its initialisation did not finish "
                            + "within the invocation timeout of 300 ms").doesNotContain("still running");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(registry.list()).isEmpty();
        assertThat(runtime.types()).isEmpty();
    }

    @Test
    void hostNamespacesInTheWapcStyleAreAccepted() {
        Set<String> namespaces = Set.of("sample:namespace", "a/b.c-d_e", "x".repeat(1024));
        assertThat(deployer.deploy(DeployRequest.of("c", "counter.wasm", counter()).withHostNamespaces(namespaces))
                .type().hostNamespaces()).isEqualTo(namespaces);
    }

    @Test
    void rejectionsAndBadRequestsNameModuleTypeAndWhy() {
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("g", "garbage.wasm", "nope".getBytes(UTF_8))))
                .isInstanceOfSatisfying(DeploymentException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REJECTED))
                .hasMessageStartingWith("module 'garbage.wasm' not deployed as type 'g': rejected (malformed): ");
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("big", "big.wasm", new byte[(1 << 20) + 1])))
                .hasMessage("module 'big.wasm' not deployed as type 'big': the module is 1048577 bytes, over the size "
                        + "cap of 1048576 bytes (max_module_bytes)");
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("bad name", "counter.wasm", counter())))
                .isInstanceOfSatisfying(DeploymentException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST))
                .hasMessageContaining("not deployed as type 'bad name'");
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("kelpie.reminders", "counter.wasm", counter())))
                .isInstanceOfSatisfying(DeploymentException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST))
                .hasMessageContaining("not deployed as type 'kelpie.reminders'")
                .hasMessageContaining("reserved");
        for (String bad : new String[] {"no space", "no\"quote", "no,comma", "", "ünicode", "x".repeat(1025)}) {
            assertThatThrownBy(() -> deployer.deploy(DeployRequest.of("c", "counter.wasm", counter())
                    .withHostNamespaces(Set.of(bad)))).hasMessageContaining("invalid host namespace '" + bad + "': ");
        }
        ModuleHash missing = ModuleHash.parse("00".repeat(32));
        assertThatThrownBy(() -> deployer.deploy(DeployRequest.installed("c", missing)))
                .isInstanceOfSatisfying(DeploymentException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_INSTALLED))
                .hasMessageStartingWith("module " + missing + " not deployed as type 'c': no module with that hash");
        assertThat(registry.list()).isEmpty();
        assertThat(runtime.types()).isEmpty();
    }

    @Test
    @Timeout(30)
    void aDeployOfTheSameTypeDuringAnUndeployDoesNotSurviveItOrLeaveItsModuleBehind() {
        ModuleHash counterHash = deployer.deploy(DeployRequest.of("t", "counter.wasm", counter())).module().hash();
        DeployResult[] during = new DeployResult[1];
        RuntimeException[] refused = new RuntimeException[1];
        // forced interleaving: another deployment of the type runs after the undeploy decided what to undeploy
        ((DeploymentService) deployer).beforeRuntimeUndeploy = () -> {
            try {
                during[0] = deployer.deploy(DeployRequest.of("t", "testbed.wasm", testbed()));
            } catch (RuntimeException e) {
                refused[0] = e;
            }
        };
        assertThat(deployer.undeploy("t")).isPresent();
        assertThat(during[0]).as("the deployment that raced the undeploy").isNull();
        assertThat(refused[0]).isInstanceOf(DeploymentException.class);
        assertThat(((DeploymentException) refused[0]).reason()).isEqualTo(Reason.CONFLICT);
        assertThat(runtime.type("t")).isEmpty();
        assertThat(registry.list()).as("no module left behind").isEmpty();
        assertThat(registry.find(counterHash)).isEmpty();
    }

    @Test
    void undeployRemovesTheModuleWhenNoOtherTypeRunsIt() {
        DeployResult a = deployer.deploy(DeployRequest.of("a", "counter.wasm", counter()));
        deployer.deploy(DeployRequest.of("b", "counter.wasm", counter()));
        runtime.ref("a", "x").call("increment", new byte[0]);

        UndeployResult ua = deployer.undeploy("a").orElseThrow();
        assertThat(ua.passivatedActors()).isEqualTo(1);
        assertThat(ua.moduleRemoved()).isFalse();
        assertThat(ua.moduleStillUsedBy()).containsExactly("b");
        assertThat(registry.find(a.module().hash())).isPresent();

        UndeployResult ub = deployer.undeploy("b").orElseThrow();
        assertThat(ub.moduleRemoved()).isTrue();
        assertThat(registry.find(a.module().hash())).isEmpty();
        assertThat(deployer.undeploy("b")).isEmpty();
        assertThat(deployer.undeploy(null)).isEmpty();

        runtime.deploy(ActorType.nativeType("n", () -> (ctx, op, p) -> p));
        assertThat(deployer.undeploy("n").orElseThrow().moduleRemoved()).isFalse();
    }
}
