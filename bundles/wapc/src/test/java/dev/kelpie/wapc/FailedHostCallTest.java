package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest that traps right after a failed host call: the trap's message names the host call and why it failed
 * (the Rust counter traps in {@code kelpie_on_activate} when its state call fails).
 */
@Timeout(60)
class FailedHostCallTest {
    private static final String COUNTER = "/wasm/rust/counter.wasm";
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final Map<String, byte[]> state = new HashMap<>();
    private WapcInstance instance;

    @AfterEach
    void tearDown() {
        if (instance != null) {
            instance.close();
        }
    }

    private void stateWorks() {
        host.register(new HostFunctionKey("kelpie", "state", "get"), call -> {
            byte[] value = state.get(new String(call.payload(), UTF_8));
            if (value == null) {
                return new byte[] {0};
            }
            byte[] answer = new byte[value.length + 1];
            answer[0] = 1;
            System.arraycopy(value, 0, answer, 1, value.length);
            return answer;
        });
        host.register(new HostFunctionKey("kelpie", "state", "set"), call -> {
            byte[] p = call.payload();
            int keyLength = (p[0] & 0xff) | (p[1] & 0xff) << 8 | (p[2] & 0xff) << 16 | (p[3] & 0xff) << 24;
            state.put(new String(p, 4, keyLength, UTF_8), java.util.Arrays.copyOfRange(p, 4 + keyLength, p.length));
            return new byte[0];
        });
    }

    @Test
    void aTrapAfterAFailedHostCallNamesTheCallAndWhy() {
        host.register(new HostFunctionKey("kelpie", "state", "get"), call -> {
            throw new IllegalStateException("the store is offline");
        });
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.callExport("kelpie_on_activate"));

        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.detail()).contains("unreachable")
                .endsWith("; the last host call, kelpie/state/get, had failed: the store is offline");
    }

    @Test
    void aMissingHostFunctionIsNamedToo() {
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.callExport("kelpie_on_activate"));

        assertThat(e.detail()).endsWith("; the last host call, kelpie/state/get, had failed: no host function for binding "
                + "'kelpie', namespace 'state', operation 'get'");
    }

    @Test
    void aLongHostErrorIsCut() {
        host.register(new HostFunctionKey("kelpie", "state", "get"), call -> {
            throw new IllegalStateException("x".repeat(5000));
        });
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.callExport("kelpie_on_activate"));

        assertThat(e.detail()).endsWith("had failed: " + "x".repeat(WapcGuestInstance.MAX_QUOTED_HOST_ERROR) + "…");
    }

    @Test
    void aTrapAfterSuccessfulHostCallsSaysNothingOfThem() {
        stateWorks();
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("add_then_trap", null));

        assertThat(e.kind()).isEqualTo(Kind.TRAP);
        assertThat(e.detail()).doesNotContain("host call");
    }

    @Test
    void aGuestErrorQuotingTheHostErrorIsNotRepeated() {
        host.register(new HostFunctionKey("kelpie", "state", "get"), call -> {
            throw new IllegalStateException("the store is offline");
        });
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("get", null));

        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(e.detail()).isEqualTo("the store is offline");
    }

    @Test
    void theFailureIsForgottenAfterTheCall() {
        host.register(new HostFunctionKey("kelpie", "state", "get"), call -> {
            throw new IllegalStateException("the store is offline");
        });
        instance = host.instantiate(Guests.compiled(COUNTER), InstanceOptions.labelled("c1"));
        catchThrowableOfType(GuestCallException.class, () -> instance.invoke("get", null));

        GuestCallException e = catchThrowableOfType(GuestCallException.class, () -> instance.invoke("nope", null));

        assertThat(e.detail()).isEqualTo("unknown operation: nope");
    }
}
