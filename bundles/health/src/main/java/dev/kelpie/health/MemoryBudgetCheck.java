package dev.kelpie.health;

import dev.kelpie.api.actor.ActorRuntime;
import java.util.Objects;
import java.util.OptionalLong;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The headroom of the memory budget all active WASM actors share: WARN at {@code memory_warn_percent} of it in
 * use, CRITICAL at {@code memory_critical_percent} (activations then fail with RESOURCE_EXHAUSTED once no idle
 * actor is left to passivate).
 */
@Component(service = HealthCheck.class, configurationPid = HealthSettings.PID, property = {
    HealthCheck.NAME + "=Kelpie memory budget headroom",
    HealthCheck.TAGS + "=" + HealthSettings.TAG
})
// the configuration is designated once, by WorkersCheck (the same PID)
public final class MemoryBudgetCheck implements HealthCheck {
    private final ActorRuntime runtime;
    private final int warnPercent;
    private final int criticalPercent;

    @Activate
    public MemoryBudgetCheck(@Reference ActorRuntime runtime, HealthSettings settings) {
        this(runtime, settings.memory__warn__percent(), settings.memory__critical__percent());
    }

    MemoryBudgetCheck(ActorRuntime runtime, int warnPercent, int criticalPercent) {
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        if (warnPercent < 1 || warnPercent > 100 || criticalPercent < warnPercent || criticalPercent > 100) {
            throw new IllegalArgumentException("memory_warn_percent must be 1..100 and memory_critical_percent warn..100, were "
                    + warnPercent + " and " + criticalPercent + " (PID " + HealthSettings.PID + ")");
        }
        this.warnPercent = warnPercent;
        this.criticalPercent = criticalPercent;
    }

    @Override
    public Result execute() {
        OptionalLong limit = runtime.memoryBudgetBytes();
        OptionalLong used = runtime.memoryBudgetUsedBytes();
        if (limit.isEmpty() || used.isEmpty() || limit.getAsLong() <= 0) {
            return new Result(Result.Status.OK, "the actor runtime has no memory budget");
        }
        long l = limit.getAsLong();
        long u = used.getAsLong();
        double percent = 100.0 * u / l;
        String text = String.format(java.util.Locale.ROOT, "active actors hold %d of %d bytes of the memory budget (%.1f%%)",
                u, l, percent);
        if (percent >= criticalPercent) {
            return new Result(Result.Status.CRITICAL, text + ", at or over " + criticalPercent + "% (memory_critical_percent)");
        }
        if (percent >= warnPercent) {
            return new Result(Result.Status.WARN, text + ", at or over " + warnPercent + "% (memory_warn_percent)");
        }
        return new Result(Result.Status.OK, text);
    }
}
