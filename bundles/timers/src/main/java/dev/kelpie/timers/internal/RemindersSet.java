package dev.kelpie.timers.internal;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorReminders;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** {@code kelpie/reminders/set}: sets (or replaces) a durable reminder of the calling actor; see {@link TimersHostFunctions}. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.REMINDERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.SET
})
public final class RemindersSet implements HostFunction {
    /**
     * Optional and dynamic: the waPC host binds host functions while the runtime (which the timers need) is
     * still being set up, so a static reference would be a cycle.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ActorReminders reminders;

    /** For Declarative Services. */
    public RemindersSet() {}

    public RemindersSet(ActorReminders reminders) {
        this.reminders = reminders;
    }

    @Override
    public byte[] call(HostCall call) {
        return TimersHostFunctions.setReminder(reminders, call);
    }
}
