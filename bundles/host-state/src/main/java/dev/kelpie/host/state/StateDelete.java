package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/state/delete}: payload the key; response {@code 0x01} if it had a value, else {@code 0x00}. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + StateHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + StateHostFunctions.DELETE
})
public final class StateDelete implements HostFunction {
    @Override
    public byte[] call(HostCall call) {
        ActorState state = StateHostFunctions.state(call);
        String key = StateHostFunctions.utf8(call.payload(), StateHostFunctions.DELETE, "key");
        boolean had = state.delete(key);
        return (had ? StateHostFunctions.PRESENT : StateHostFunctions.ABSENT).clone();
    }
}
