package dev.kelpie.host.clock;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/clock/now_millis}: the wall clock in milliseconds since the epoch, as decimal ASCII. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + ClockHostFunctions.CLOCK,
    HostFunction.OPERATION + "=" + ClockHostFunctions.NOW_MILLIS
})
public final class ClockNowMillis implements HostFunction {
    private final LongSupplier millis;

    public ClockNowMillis() {
        this(System::currentTimeMillis);
    }

    ClockNowMillis(LongSupplier millis) {
        this.millis = Objects.requireNonNull(millis);
    }

    @Override
    public byte[] call(HostCall call) {
        return ClockHostFunctions.decimal(millis);
    }
}
