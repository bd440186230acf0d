package dev.kelpie.testsupport;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.WapcInstance;

/** waPC calls with string payloads and answers, for tests. */
public final class Calls {
    private Calls() {}

    /** Invokes an operation with a UTF-8 payload and returns the answer as UTF-8. */
    public static String call(WapcInstance instance, String operation, String payload) {
        return new String(instance.invoke(operation, payload.getBytes(UTF_8)), UTF_8);
    }

    /** The failure of a call that must fail; an {@link AssertionError} if it answered. */
    public static GuestCallException failure(WapcInstance instance, String operation, String payload) {
        try {
            instance.invoke(operation, payload.getBytes(UTF_8));
        } catch (GuestCallException e) {
            return e;
        }
        throw new AssertionError("operation " + operation + "(" + payload + ") should fail");
    }

    /** The guest's error message of a call that must fail with {@link GuestCallException.Kind#GUEST_ERROR}. */
    public static String guestError(WapcInstance instance, String operation, String payload) {
        GuestCallException e = failure(instance, operation, payload);
        if (e.kind() != GuestCallException.Kind.GUEST_ERROR) {
            throw new AssertionError("operation " + operation + "(" + payload + ") should fail with GUEST_ERROR, not "
                    + e.kind(), e);
        }
        return e.detail();
    }
}
