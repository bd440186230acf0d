package com.example.greeting;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/greeting/hello}: answers {@code Hello, <payload>! (from <actor>)}. An empty payload is an
 * error, which the guest receives as its host error.
 */
@Component(property = {
    HostFunction.BINDING + "=kelpie",
    HostFunction.NAMESPACE + "=greeting",
    HostFunction.OPERATION + "=hello"
})
public final class HelloHostFunction implements HostFunction {
    @Override
    public byte[] call(HostCall call) {
        String name = new String(call.payload(), StandardCharsets.UTF_8).trim();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("greeting.hello needs a name");
        }
        return ("Hello, " + name + "! (from " + call.instanceLabel() + ")").getBytes(StandardCharsets.UTF_8);
    }
}
