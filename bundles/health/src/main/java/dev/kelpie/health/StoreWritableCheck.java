package dev.kelpie.health;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * CRITICAL unless the state store takes a commit and reads it back: one small value of the reserved actor
 * {@code kelpie-health:probe}, written, read and deleted again.
 *
 * <p>The store is the {@link StateStore} of reference {@code store}: {@value #STORE_TARGET} (the MVStore) unless
 * {@code store.target} in {@value HealthSettings#PID} picks another by filter; the distribution sets it to the
 * runtime's store ({@code ${kelpie.store.target}}, the cluster's replicated store when the cluster is enabled).
 */
@Component(service = HealthCheck.class, configurationPid = HealthSettings.PID, property = {
    HealthCheck.NAME + "=Kelpie state store writable",
    HealthCheck.TAGS + "=" + HealthSettings.TAG
})
public final class StoreWritableCheck implements HealthCheck {
    static final ActorId PROBE = new ActorId("kelpie-health", "probe");
    /** The store checked unless {@code store.target} says otherwise. */
    static final String STORE_TARGET = "(" + StateStore.NAME + "=mvstore)";
    private static final String KEY = "probe";
    private final StateStore store;

    @Activate
    public StoreWritableCheck(@Reference(name = "store", target = STORE_TARGET) StateStore store) {
        this.store = Objects.requireNonNull(store, "state store");
    }

    @Override
    public Result execute() {
        byte[] value = Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            store.commit(PROBE, Map.of(KEY, value));
            byte[] read = store.get(PROBE, KEY);
            store.commit(PROBE, Collections.singletonMap(KEY, null));
            if (!Arrays.equals(value, read)) {
                return new Result(Result.Status.CRITICAL, "state store " + store.describe()
                        + ": a committed value of actor " + PROBE + " did not read back");
            }
        } catch (RuntimeException e) {
            return new Result(Result.Status.CRITICAL, "state store " + store.describe() + " cannot commit: " + e, e);
        }
        long micros = (System.nanoTime() - start) / 1000;
        return new Result(Result.Status.OK, "state store " + store.describe() + " committed, read back and deleted a value in "
                + micros + " µs");
    }
}
