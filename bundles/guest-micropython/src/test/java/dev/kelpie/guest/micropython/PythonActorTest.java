package dev.kelpie.guest.micropython;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Python actors through the real registry and waPC host with the MicroPython adapter. */
@Timeout(120)
class PythonActorTest {
    private final RecordingConsole console = new RecordingConsole();
    private final HostTable table = new HostTable();
    private final ChicoryWapcHost host = new ChicoryWapcHost(WapcSettings.DEFAULTS);
    private final List<WapcInstance> instances = new ArrayList<>();

    PythonActorTest() {
        host.setConsole(console);
        host.addGuestAdapter(new MicroPythonAdapter());
        table.registerState(host);
        table.registerLog(host);
        table.registerGreeting(host);
        table.registerActors(host);
    }

    @AfterEach
    void close() {
        instances.forEach(WapcInstance::close);
    }

    private WapcInstance start(CompiledModule module) {
        WapcInstance instance = host.instantiate(module, InstanceOptions.labelled("py-test"));
        instances.add(instance);
        return instance;
    }

    private static String call(WapcInstance instance, String operation, String payload) {
        return new String(instance.invoke(operation, payload.getBytes(UTF_8)), UTF_8);
    }

    private static GuestCallException failure(WapcInstance instance, String operation, String payload) {
        GuestCallException e = catchThrowableOfType(GuestCallException.class,
                () -> instance.invoke(operation, payload.getBytes(UTF_8)));
        assertThat(e).as("operation %s(%s) should fail", operation, payload).isNotNull();
        return e;
    }

    @Test
    void echoAnswersBytesAndStr() {
        WapcInstance echo = start(Python.install("echo.py", "def echo(payload):\n    return payload\n\n"
                + "def shout(payload):\n    return payload.decode().upper()\n\ndef nothing(payload):\n    pass\n"));
        assertThat(call(echo, "echo", "hello")).isEqualTo("hello");
        assertThat(call(echo, "shout", "hello")).isEqualTo("HELLO");
        assertThat(call(echo, "nothing", "x")).isEmpty();
        assertThat(echo.invoke("echo", new byte[] {0, (byte) 0xff, 10})).containsExactly(0, (byte) 0xff, 10);
        assertThat(call(echo, "echo", "")).isEmpty();
    }
}
