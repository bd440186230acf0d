package com.example.greeting;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.host.HostCall;
import org.junit.jupiter.api.Test;

class HelloHostFunctionTest {
    private static HostCall call(String payload) {
        return new HostCall("kelpie", "greeting", "hello", payload.getBytes(UTF_8), null, "testbed:1", null);
    }

    @Test
    void greetsByName() {
        assertThat(new HelloHostFunction().call(call(" Ada "))).asString(UTF_8).isEqualTo("Hello, Ada! (from testbed:1)");
    }

    @Test
    void anEmptyNameIsAnError() {
        assertThatThrownBy(() -> new HelloHostFunction().call(call(""))).hasMessage("greeting.hello needs a name");
    }
}
