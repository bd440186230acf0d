package dev.kelpie.timers.internal;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorTimers;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code kelpie/timers/cancel}: payload the name; response {@code 0x01} if the calling actor had that timer. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.TIMERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.CANCEL
})
public final class TimersCancel implements HostFunction {
    /**
     * Optional and dynamic: the waPC host binds host functions while the runtime (which the timers need) is
     * still being set up, so a static reference would be a cycle.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ActorTimers timers;

    /** For Declarative Services. */
    public TimersCancel() {}

    public TimersCancel(ActorTimers timers) {
        this.timers = timers;
    }

    @Override
    public byte[] call(HostCall call) {
        return TimersHostFunctions.cancelTimer(timers, call);
    }
}
