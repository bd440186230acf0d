package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorTimers;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kelpie/timers/set}: sets (or replaces) a timer of the calling actor; see {@link TimersHostFunctions}. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.TIMERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.SET
})
public final class TimersSet implements HostFunction {
    private final ActorTimers timers;

    @Activate
    public TimersSet(@Reference ActorTimers timers) {
        this.timers = timers;
    }

    @Override
    public byte[] call(HostCall call) {
        ActorContext context = TimersHostFunctions.context(call, TimersHostFunctions.TIMERS);
        TimersHostFunctions.SetPayload p = TimersHostFunctions.parseSet(TimersHostFunctions.TIMERS, call.payload());
        timers.setTimer(context.self(), p.name(), p.operation(), p.delay(), p.period(), p.payload());
        return new byte[0];
    }
}
