package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/state/get}: payload the key (UTF-8); response {@code 0x01} followed by the value, or the
 * single byte {@code 0x00} when the key has no value.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + StateHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + StateHostFunctions.GET
})
public final class StateGet implements HostFunction {
    @Override
    public byte[] call(HostCall call) {
        ActorState state = StateHostFunctions.state(call);
        String key = StateHostFunctions.utf8(call.payload(), StateHostFunctions.GET, "key");
        Optional<byte[]> value = state.get(key);
        if (value.isEmpty()) {
            return StateHostFunctions.ABSENT.clone();
        }
        byte[] bytes = value.get();
        byte[] response = new byte[bytes.length + 1];
        response[0] = 0x01;
        System.arraycopy(bytes, 0, response, 1, bytes.length);
        return response;
    }
}
