package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.timers.ActorReminders;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code kelpie/reminders/list}: the names of the calling actor's reminders, sorted, joined by {@code \\n}. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + TimersHostFunctions.REMINDERS,
    HostFunction.OPERATION + "=" + TimersHostFunctions.LIST
})
public final class RemindersList implements HostFunction {
    private final ActorReminders reminders;

    @Activate
    public RemindersList(@Reference ActorReminders reminders) {
        this.reminders = reminders;
    }

    @Override
    public byte[] call(HostCall call) {
        ActorContext context = TimersHostFunctions.context(call, TimersHostFunctions.REMINDERS);
        return reminders.reminders(context.self()).stream().map(dev.kelpie.timers.Reminder::name)
                .collect(java.util.stream.Collectors.joining("\n")).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
