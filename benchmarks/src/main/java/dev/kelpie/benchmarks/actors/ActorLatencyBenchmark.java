package dev.kelpie.benchmarks.actors;

import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.benchmarks.Guests;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hot invocation latency (targets: p99 &lt; 1 ms; issue 10: p50 &le; 3&times; the bare invoke, p99 &le;
 * 20 &micro;s): one caller, a synchronous {@code ActorRef.call("echo", 64 bytes)} round trip to an active
 * testbed actor. {@code actorCall} uses the default settings, where the idle actor's turn runs on the
 * calling thread (caller runs); {@code actorCallThroughPool} turns that off ({@code caller_run_turns=0}):
 * enqueue, hand-off to a pool worker, the turn, the reply back to the waiting caller. SampleTime mode, so
 * JMH reports p50/p90/p99/p99.9/p99.99/max of individual calls. Baseline in the same run and mode:
 * {@code bareInstance}, the same echo through a bare {@link WapcInstance#invoke} on the caller's own thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ActorLatencyBenchmark {
    ActorBench bench;
    ActorRef actor;
    ActorBench poolBench;
    ActorRef poolActor;
    WapcInstance bare;
    byte[] payload;

    @Setup(Level.Trial)
    public void setUp() {
        payload = ActorBench.payload(64);
        bench = new ActorBench();
        CompiledModule compiled = bench.deploy("testbed", ActorBench.TESTBED);
        actor = bench.runtime.ref("testbed", "hot");
        ActorBench.checkEcho(actor, payload);
        poolBench = new ActorBench(new dev.kelpie.store.InMemoryStateStore(), ActorBench.settings().withCallerRunTurns(0));
        poolBench.deploy("testbed", ActorBench.TESTBED);
        poolActor = poolBench.runtime.ref("testbed", "hot");
        ActorBench.checkEcho(poolActor, payload);
        bare = bench.host.instantiate(compiled, InstanceOptions.labelled("bare"));
        Guests.check(Arrays.equals(bare.invoke("echo", payload), payload), "bare echo");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bare.close();
        bench.close();
        poolBench.close();
    }

    @Benchmark
    public byte[] actorCall() {
        return actor.call("echo", payload);
    }

    @Benchmark
    public byte[] actorCallThroughPool() {
        return poolActor.call("echo", payload);
    }

    @Benchmark
    public byte[] bareInstance() {
        return bare.invoke("echo", payload);
    }
}
