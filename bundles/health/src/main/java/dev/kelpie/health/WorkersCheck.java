package dev.kelpie.health;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * CRITICAL when the workers are starved: an active actor has queued messages but finished no turn for
 * longer than its type's invocation timeout (the longest a turn or an activation may run) plus a grace
 * period, so no worker got to it. Reads only the runtime's listing of active actors.
 */
@Component(service = HealthCheck.class, configurationPid = HealthSettings.PID, property = {
    HealthCheck.NAME + "=Kelpie workers not starved",
    HealthCheck.TAGS + "=" + HealthSettings.TAG
})
@Designate(ocd = HealthSettings.class)
public final class WorkersCheck implements HealthCheck {
    private final ActorRuntime runtime;
    private final Duration grace;

    @Activate
    public WorkersCheck(@Reference ActorRuntime runtime, HealthSettings settings) {
        this(runtime, Duration.ofSeconds(settings.starvation__grace__seconds()));
    }

    WorkersCheck(ActorRuntime runtime, Duration grace) {
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("starvation_grace_seconds must not be negative, was " + grace.toSeconds()
                    + " (PID " + HealthSettings.PID + ")");
        }
        this.grace = grace;
    }

    @Override
    public Result execute() {
        Instant now = Instant.now();
        int waiting = 0;
        for (ActiveActor a : runtime.actors()) {
            if (a.queued() == 0) {
                continue;
            }
            waiting++;
            Instant last = a.lastActiveAt() != null ? a.lastActiveAt() : a.activatedAt();
            Optional<ActorType> type = runtime.type(a.id().type());
            Duration bound = type.map(t -> t.limits().invocationTimeout()).orElse(runtime.defaultLimits().invocationTimeout())
                    .plus(grace);
            Duration idle = last == null ? Duration.ZERO : Duration.between(last, now);
            if (idle.compareTo(bound) > 0) {
                return new Result(Result.Status.CRITICAL, "workers starved: actor " + a.id() + " has " + a.queued()
                        + " queued messages and finished no turn for " + idle.toSeconds() + " s (its type's invocation "
                        + "timeout plus " + grace.toSeconds() + " s grace is " + bound.toSeconds() + " s)");
            }
        }
        return new Result(Result.Status.OK, waiting == 0 ? "no actor has queued messages"
                : waiting + " actors have queued messages, each finished a turn within its bound");
    }
}
