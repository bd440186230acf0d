package dev.kelpie.host.clock;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Random;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/random/bytes}: payload a decimal count N from 1 to {@value ClockHostFunctions#MAX_RANDOM_BYTES}
 * (ASCII digits, surrounding whitespace allowed); response N bytes from a {@link java.security.SecureRandom}.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + ClockHostFunctions.RANDOM,
    HostFunction.OPERATION + "=" + ClockHostFunctions.BYTES
})
public final class RandomBytes implements HostFunction {
    /** Longest size text echoed back in an error. */
    private static final int MAX_ECHO = 32;

    private final Random random;

    public RandomBytes() {
        this(ClockHostFunctions.SECURE_RANDOM);
    }

    RandomBytes(Random random) {
        this.random = Objects.requireNonNull(random);
    }

    @Override
    public byte[] call(HostCall call) {
        byte[] bytes = new byte[size(call.payload())];
        random.nextBytes(bytes);
        return bytes;
    }

    static int size(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8).strip();
        boolean digits = !text.isEmpty() && text.length() <= 10 && text.chars().allMatch(c -> c >= '0' && c <= '9');
        long n = digits ? Long.parseLong(text) : -1;
        if (n < 1 || n > ClockHostFunctions.MAX_RANDOM_BYTES) {
            String shown = text.length() > MAX_ECHO ? text.substring(0, MAX_ECHO) + "..." : text;
            throw new IllegalArgumentException("bad random.bytes size: '" + shown
                    + "' (expected a decimal count from 1 to " + ClockHostFunctions.MAX_RANDOM_BYTES + ")");
        }
        return (int) n;
    }
}
