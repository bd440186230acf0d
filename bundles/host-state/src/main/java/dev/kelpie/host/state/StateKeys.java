package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/state/keys}: payload a key prefix (empty for all keys); response the keys starting with it,
 * in ascending order, joined by {@code \n} (keys never contain a newline), empty when there are none.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + StateHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + StateHostFunctions.KEYS
})
public final class StateKeys implements HostFunction {
    @Override
    public byte[] call(HostCall call) {
        ActorState state = StateHostFunctions.state(call);
        String prefix = StateHostFunctions.utf8(call.payload(), StateHostFunctions.KEYS, "prefix");
        List<String> keys = state.keys(prefix);
        return String.join("\n", keys).getBytes(StandardCharsets.UTF_8);
    }
}
