package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorTimers;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kelpie/timers/cancel}: payload the name; response {@code 0x01} if the calling actor had that timer. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.TIMERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.CANCEL
})
public final class TimersCancel implements HostFunction {
    private final ActorTimers timers;

    @Activate
    public TimersCancel(@Reference ActorTimers timers) {
        this.timers = timers;
    }

    @Override
    public byte[] call(HostCall call) {
        ActorContext context = TimersHostFunctions.context(call, TimersHostFunctions.TIMERS);
        String name = TimersHostFunctions.name(TimersHostFunctions.TIMERS, TimersHostFunctions.CANCEL, call.payload());
        return timers.cancelTimer(context.self(), name) ? TimersHostFunctions.TRUE : TimersHostFunctions.FALSE;
    }
}
