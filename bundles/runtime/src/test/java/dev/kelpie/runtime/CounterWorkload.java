package dev.kelpie.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRef;
import dev.kelpie.store.MvStoreStateStore;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link KillDurabilityTest}: increments the Rust counter actor on the durable
 * store forever, printing {@code ACK <value>} after each acknowledged increment, until it is killed.
 */
public final class CounterWorkload {
    private CounterWorkload() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        RuntimeFixture fixture = new RuntimeFixture(new MvStoreStateStore(dir), RuntimeSettings.DEFAULTS);
        fixture.deployWasm("counter", RuntimeFixture.counter(), ActorLimits.DEFAULTS);
        ActorRef counter = fixture.runtime.ref("counter", "durable");
        System.out.println("READY");
        System.out.flush();
        while (true) {
            String value = new String(counter.call("increment", new byte[0]), UTF_8);
            System.out.println("ACK " + value);
            System.out.flush();
        }
    }
}
