package dev.kelpie.host.clock;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.util.Objects;
import java.util.Random;
import org.osgi.service.component.annotations.Component;

/** {@code kelpie/random/u64}: payload ignored; response a random u64 as 8 little-endian bytes. */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + ClockHostFunctions.RANDOM,
    HostFunction.OPERATION + "=" + ClockHostFunctions.U64
})
public final class RandomU64 implements HostFunction {
    private final Random random;

    public RandomU64() {
        this(ClockHostFunctions.SECURE_RANDOM);
    }

    RandomU64(Random random) {
        this.random = Objects.requireNonNull(random);
    }

    @Override
    public byte[] call(HostCall call) {
        long value = random.nextLong();
        byte[] bytes = new byte[8];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }
}
