package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** invoke, actors, deactivate, stats, hostfns, adapters against the real runtime and guests. */
class ActorCommandsTest extends ShellTestSupport {

    @BeforeEach
    void deploy() {
        kelpie.deploy("counter", kelpie.load("counter.wasm", resource(COUNTER)));
        kelpie.deploy("tb", kelpie.load("testbed.wasm", resource(TESTBED)));
    }

    @Test
    void invokePrintsTextResponses() {
        assertThat(run("kelpie:invoke tb x echo hello", () -> sh.invoke("tb", "x", "echo", "hello"))).isEqualTo("hello");
        assertThat(run("kelpie:invoke tb x echo 'grüße\\n\\tzwei Zeilen'", () -> sh.invoke("tb", "x", "echo", "grüße\n\tzwei Zeilen")))
                .isEqualTo("grüße\n\tzwei Zeilen");
        assertThat(run("kelpie:invoke counter c1 increment 41", () -> sh.invoke("counter", "c1", "increment", "41"))).isEqualTo("41");
        assertThat(run("kelpie:invoke counter c1 increment", () -> sh.invoke("counter", "c1", "increment"))).isEqualTo("42");
    }

    @Test
    void invokePrintsBinaryResponsesAsHexAndTakesHexPayloads() {
        assertThat(run("kelpie:invoke tb x echo hex:00FF10", () -> sh.invoke("tb", "x", "echo", "hex:00FF10"))).isEqualTo("hex:00ff10");
        // valid UTF-8 but a control character other than \n \r \t: hex
        assertThat(run("kelpie:invoke tb x echo hex:41074a", () -> sh.invoke("tb", "x", "echo", "hex:41074a"))).isEqualTo("hex:41074a");
        // not valid UTF-8 (a lone continuation byte): hex
        assertThat(sh.invoke("tb", "x", "echo", "hex:6180")).isEqualTo("hex:6180");
        assertThat(sh.invoke("tb", "x", "echo", "hex:686921")).isEqualTo("hi!");
        assertThat(fails("kelpie:invoke tb x echo hex:abc", () -> sh.invoke("tb", "x", "echo", "hex:abc")))
                .isEqualTo("payload 'hex:abc' is not hex: an even number of hex digits follows 'hex:'");
    }

    @Test
    void invokePrintsEmptyResponsesAsEmpty() {
        assertThat(run("kelpie:invoke tb x echo", () -> sh.invoke("tb", "x", "echo"))).isEqualTo("(empty)");
        assertThat(sh.invoke("tb", "x", "echo", "")).isEqualTo("(empty)");
    }

    @Test
    void invokeFailuresAreOneLine() {
        assertThat(fails("kelpie:invoke nope x op", () -> sh.invoke("nope", "x", "op")))
                .startsWith("unknown type: actor nope:x, operation 'op': no actor type 'nope' is deployed");
        assertThat(fails("kelpie:invoke tb 'bad id' echo", () -> sh.invoke("tb", "bad id", "echo")))
                .isEqualTo("actor id 'bad id' has the character ' ' at 3; allowed are A-Z a-z 0-9 . _ -");
        assertThat(fails("kelpie:invoke 'bad type!' x echo", () -> sh.invoke("bad type!", "x", "echo")))
                .startsWith("actor namespace 'bad type!' has the character ' '");
        assertThat(fails("kelpie:invoke tb x fail boom", () -> sh.invoke("tb", "x", "fail", "boom")))
                .isEqualTo("actor error: actor tb:x, operation 'fail': guest failed: boom");
        assertThat(fails("kelpie:invoke tb x fail 'two\\nlines'", () -> sh.invoke("tb", "x", "fail", "two\nlines")))
                .isEqualTo("actor error: actor tb:x, operation 'fail': guest failed: two\\nlines");
        assertThat(fails("kelpie:invoke tb x trap", () -> sh.invoke("tb", "x", "trap"))).startsWith("trap: actor tb:x, operation 'trap': ");
        assertThat(fails("kelpie:invoke tb x nosuchop", () -> sh.invoke("tb", "x", "nosuchop")))
                .isEqualTo("actor error: actor tb:x, operation 'nosuchop': unknown operation: nosuchop");
        assertThat(fails("kelpie:invoke counter c1 increment abc", () -> sh.invoke("counter", "c1", "increment", "abc")))
                .isEqualTo("actor error: actor counter:c1, operation 'increment': bad amount: abc");
    }

    @Test
    void actorsListsActiveActors() {
        assertThat(run("kelpie:actors", sh::actors)).isEqualTo("(no active actors)");
        sh.invoke("counter", "c1", "increment");
        sh.invoke("counter", "c1", "increment");
        sh.invoke("tb", "x", "echo", "a");
        kelpie.deployNative("greeter", () -> (ctx, op, payload) -> "hi".getBytes());
        sh.invoke("greeter", "bob", "hello");
        String out = run("kelpie:actors", sh::actors);
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("ACTOR +RUNS +QUEUED +TURNS +IDLE\\(s\\) +MEMORY\\(KiB\\)");
        String counterLabel = kelpie.registry().list().stream().filter(m -> m.name().equals("counter.wasm")).findFirst()
                .orElseThrow().label();
        assertThat(lines.get(1)).matches("counter:c1 +" + counterLabel.replace(".", "\\.") + " +0 +2 +\\d+ +\\d+");
        assertThat(lines.get(2)).matches("greeter:bob +native +0 +1 +\\d+ +0");
        assertThat(lines.get(3)).matches("tb:x +testbed\\.wasm@[0-9a-f]{12} +0 +1 +\\d+ +\\d+");
        long kib = Long.parseLong(lines.get(1).substring(lines.get(1).lastIndexOf(' ') + 1));
        assertThat(kib).isPositive().isEqualTo(kib / 64 * 64);
    }

    @Test
    void actorsNamesTheMemberInACluster() {
        sh.invoke("counter", "c1", "increment");
        dev.kelpie.api.cluster.ClusterMember self = new dev.kelpie.api.cluster.ClusterMember("u1", "127.0.0.1:5702", true);
        sh.cluster = new dev.kelpie.api.cluster.ClusterView() {
            @Override
            public String name() {
                return "kelpie";
            }

            @Override
            public dev.kelpie.api.cluster.ClusterMember localMember() {
                return self;
            }

            @Override
            public List<dev.kelpie.api.cluster.ClusterMember> members() {
                return List.of(self);
            }

            @Override
            public java.util.Optional<dev.kelpie.api.cluster.ClusterMember> ownerOf(dev.kelpie.api.actor.ActorId id) {
                return java.util.Optional.of(self);
            }
        };
        List<String> lines = run("kelpie:actors", sh::actors).lines().toList();
        assertThat(lines.get(0)).matches("ACTOR +MEMBER +RUNS +QUEUED +TURNS +IDLE\\(s\\) +MEMORY\\(KiB\\)");
        assertThat(lines.get(1)).matches("counter:c1 +127\\.0\\.0\\.1:5702 +counter\\.wasm@[0-9a-f]{12} +0 +1 +\\d+ +\\d+");
        sh.cluster = null;
        assertThat(sh.actors().lines().findFirst().orElseThrow()).doesNotContain("MEMBER");
    }

    @Test
    void deactivatePassivatesOneActor() {
        sh.invoke("counter", "c1", "increment", "3");
        sh.invoke("counter", "c2", "increment");
        assertThat(run("kelpie:deactivate counter c1", () -> sh.deactivate("counter", "c1"))).isEqualTo("deactivated counter:c1");
        assertThat(run("kelpie:deactivate counter c1", () -> sh.deactivate("counter", "c1"))).isEqualTo("counter:c1 was not active");
        assertThat(run("kelpie:deactivate nope x", () -> sh.deactivate("nope", "x"))).isEqualTo("nope:x was not active");
        assertThat(fails("kelpie:deactivate counter 'a/b'", () -> sh.deactivate("counter", "a/b")))
                .isEqualTo("actor id 'a/b' has the character '/' at 1; allowed are A-Z a-z 0-9 . _ -");
        assertThat(sh.actors()).doesNotContain("counter:c1").contains("counter:c2");
        // its state is durable: the next message reactivates it
        assertThat(sh.invoke("counter", "c1", "get")).isEqualTo("3");
    }

    @Test
    void statsCountInvocationsFailuresAndLatency() {
        assertThat(run("kelpie:stats", sh::stats).lines()).hasSize(3);
        for (int i = 0; i < 5; i++) {
            sh.invoke("counter", "c" + (i % 2), "increment");
        }
        fails("kelpie:invoke tb x fail oops", () -> sh.invoke("tb", "x", "fail", "oops"));
        sh.invoke("tb", "x", "echo", "ok");
        String out = run("kelpie:stats", sh::stats);
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).matches("TYPE +INVOCATIONS +FAILURES +TIMEOUTS +REJECTED +ACTIVE +P50\\(µs\\) +P99\\(µs\\) +MAX\\(µs\\) +DROPPED-LINES");
        assertThat(lines.get(1)).matches("counter +5 +0 +0 +0 +2 +\\d+ +\\d+ +\\d+ +0");
        assertThat(lines.get(2)).matches("tb +2 +1 +0 +0 +1 +\\d+ +\\d+ +\\d+ +0");
        // numbers are right-aligned under their headers
        assertThat(lines.get(1).length()).isEqualTo(lines.get(0).length());
        String[] counter = lines.get(1).trim().split(" +");
        assertThat(Long.parseLong(counter[8])).isPositive().isGreaterThanOrEqualTo(Long.parseLong(counter[6]));
    }

    @Test
    void statsWithNothingDeployed() {
        kelpie.actors().undeploy("counter");
        kelpie.actors().undeploy("tb");
        assertThat(run("kelpie:stats", sh::stats)).isEqualTo("(no actor types deployed)");
    }

    @Test
    void hostfnsListsTheHostFunctions() {
        String out = run("kelpie:hostfns", sh::hostfns);
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).matches("BINDING +NAMESPACE +OPERATION");
        assertThat(lines).anyMatch(l -> l.matches("kelpie +state +get"));
        assertThat(lines).anyMatch(l -> l.matches("kelpie +actors +call"));
        assertThat(lines).anyMatch(l -> l.matches("kelpie +log +\\S+"));
        assertThat(lines.subList(1, lines.size())).isSorted();
    }

    @Test
    void adaptersListsTheGuestAdapterLanguages() {
        assertThat(run("kelpie:adapters", sh::adapters)).isEqualTo("ADAPTER         SUPPLIES\n"
                + "assemblyscript  env.abort env.trace env.seed\n"
                + "go              kelpie_go.next_call wasi_snapshot_preview1.* wasi_unstable.*\n"
                + "python          env.* wasi_snapshot_preview1.*\n"
                + "tinygo          wasi_snapshot_preview1.* wasi_unstable.*\n"
                + "wasi            wasi_snapshot_preview1.* wasi_unstable.*");
    }

    @Test
    void typesShowLimitsAndNamespaces() {
        kelpie.actors().deploy(dev.kelpie.api.actor.ActorType.wasm("limited", kelpie.registry().list().get(0).hash(),
                dev.kelpie.api.actor.ActorLimits.DEFAULTS.withInvocationTimeout(java.time.Duration.ofMillis(1500))
                        .withMaxMemoryBytes(1 << 20).withMailboxCapacity(50))
                .withHostNamespaces(java.util.Set.of("actors", "greeting")));
        String out = run("kelpie:types", sh::types);
        assertThat(out.lines()).anyMatch(l -> l.matches("limited +counter\\.wasm@[0-9a-f]{12} +1500ms +1MiB +50 +core,actors,greeting"));
        // deployed through the embedding API without a declaration: the core namespaces only
        assertThat(out.lines()).anyMatch(l -> l.matches("tb +testbed\\.wasm@[0-9a-f]{12} +30s +256MiB +10000 +core"));
    }
    @Test
    void invokeRunsAnIdleWasmActorsTurnOnTheCallingThread() {
        // the runtime's caller-runs path: no hand-off to a worker and back (the first call after a start
        // would otherwise also wait for the pool to start its first worker thread)
        use(dev.kelpie.embedded.Kelpie.builder()
                .hostFunction("probe", "thread", call -> Thread.currentThread().getName().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build());
        kelpie.deploy("probed", kelpie.load("testbed.wasm", resource(TESTBED)), kelpie.actors().defaultLimits(),
                java.util.Set.of("probe"));
        String caller = Thread.currentThread().getName();
        assertThat(run("kelpie:invoke probed p host_call 'kelpie\\nprobe\\nthread\\n'",
                () -> sh.invoke("probed", "p", "host_call", "kelpie\nprobe\nthread\n"))).isEqualTo(caller);
        // a turn that fails is the actor's failure, not a missing answer
        assertThat(fails("kelpie:invoke probed p fail boom", () -> sh.invoke("probed", "p", "fail", "boom")))
                .isEqualTo("actor error: actor probed:p, operation 'fail': guest failed: boom");
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void invokeWaitsAtMostTheInvocationTimeoutPlusAnAllowance() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // a native actor that ignores the watchdog's interrupt, so its turn never ends on its own
        kelpie.actors().deploy(dev.kelpie.api.actor.ActorType.nativeType("stuck", () -> (ctx, op, payload) -> {
            while (true) {
                try {
                    release.await();
                    return new byte[0];
                } catch (InterruptedException ignored) {
                    // keep waiting
                }
            }
        }, dev.kelpie.api.actor.ActorLimits.DEFAULTS.withInvocationTimeout(java.time.Duration.ofMillis(200))));
        sh.invokeAllowance = java.time.Duration.ofMillis(300);
        long start = System.nanoTime();
        try {
            assertThat(fails("kelpie:invoke stuck s1 op", () -> sh.invoke("stuck", "s1", "op")))
                    .isEqualTo("invoke: no answer from actor stuck:s1, operation 'op' within 700ms (twice its type's "
                            + "invocation timeout, for the activation and the turn, plus 300ms for queueing); the message "
                            + "may still run");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
        } finally {
            release.countDown();
        }
    }
}
