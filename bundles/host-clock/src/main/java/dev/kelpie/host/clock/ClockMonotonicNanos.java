package dev.kelpie.host.clock;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/clock/monotonic_nanos}: {@link System#nanoTime()} as decimal ASCII (may be negative). Only
 * differences between two readings mean anything.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + ClockHostFunctions.CLOCK,
    HostFunction.OPERATION + "=" + ClockHostFunctions.MONOTONIC_NANOS
})
public final class ClockMonotonicNanos implements HostFunction {
    private final LongSupplier nanos;

    public ClockMonotonicNanos() {
        this(System::nanoTime);
    }

    ClockMonotonicNanos(LongSupplier nanos) {
        this.nanos = Objects.requireNonNull(nanos);
    }

    @Override
    public byte[] call(HostCall call) {
        return ClockHostFunctions.decimal(nanos);
    }
}
