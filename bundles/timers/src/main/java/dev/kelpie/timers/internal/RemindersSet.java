package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorReminders;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kelpie/reminders/set}: sets (or replaces) a durable reminder of the calling actor; see {@link TimersHostFunctions}. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.REMINDERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.SET
})
public final class RemindersSet implements HostFunction {
    private final ActorReminders reminders;

    @Activate
    public RemindersSet(@Reference ActorReminders reminders) {
        this.reminders = reminders;
    }

    @Override
    public byte[] call(HostCall call) {
        ActorContext context = TimersHostFunctions.context(call, TimersHostFunctions.REMINDERS);
        TimersHostFunctions.SetPayload p = TimersHostFunctions.parseSet(TimersHostFunctions.REMINDERS, call.payload());
        reminders.setReminder(context.self(), p.name(), p.operation(), p.delay(), p.period(), p.payload());
        return new byte[0];
    }
}
