package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.util.Arrays;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/state/set}: payload a 4-byte little-endian unsigned key length, the key (UTF-8), then the
 * value (the rest, possibly empty); response empty.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + StateHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + StateHostFunctions.SET
})
public final class StateSet implements HostFunction {
    @Override
    public byte[] call(HostCall call) {
        byte[] payload = call.payload();
        // Check the caller first: a non-actor learns that rather than a payload detail.
        ActorState state = StateHostFunctions.state(call);
        if (payload.length < 4) {
            throw new IllegalArgumentException("bad state.set payload: " + payload.length
                    + " bytes, shorter than the 4-byte key length that starts it");
        }
        long keyLength = (payload[0] & 0xFFL) | (payload[1] & 0xFFL) << 8 | (payload[2] & 0xFFL) << 16
                | (payload[3] & 0xFFL) << 24;
        if (keyLength > payload.length - 4) {
            throw new IllegalArgumentException("bad state.set payload: key length " + keyLength
                    + " runs past the end of the " + payload.length + "-byte payload (at most " + (payload.length - 4)
                    + " bytes follow the length)");
        }
        int valueStart = 4 + (int) keyLength;
        String key = StateHostFunctions.utf8(payload, 4, (int) keyLength, StateHostFunctions.SET, "key");
        state.put(key, Arrays.copyOfRange(payload, valueStart, payload.length));
        return StateHostFunctions.EMPTY;
    }
}
