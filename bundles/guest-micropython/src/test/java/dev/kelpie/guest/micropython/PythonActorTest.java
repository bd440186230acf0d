package dev.kelpie.guest.micropython;

import static dev.kelpie.testsupport.Calls.call;
import static dev.kelpie.testsupport.Calls.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.wapc.GuestCallException;
import dev.kelpie.api.wapc.GuestCallException.Kind;
import dev.kelpie.api.wapc.InstanceOptions;
import dev.kelpie.api.wapc.WapcInstance;
import dev.kelpie.testsupport.HostTable;
import dev.kelpie.testsupport.RecordingConsole;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import dev.kelpie.api.wapc.ModuleInstantiationException;
import java.time.Duration;
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

    private final MicroPythonAdapter adapter = new MicroPythonAdapter();

    PythonActorTest() {
        host.setConsole(console);
        host.addGuestAdapter(adapter);
        table.registerState(host);
        table.registerLog(host);
        table.registerGreeting(host);
        table.registerActors(host);
        table.registerTimersAndReminders(host);
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

    static final String COUNTER = String.join("\n",
            "import kelpie",
            "from kelpie import state",
            "",
            "def increment(payload):",
            "    n = int(state.get('count') or b'0') + 1",
            "    state.set('count', str(n))",
            "    kelpie.log.info('count is now %d' % n)",
            "    return str(n)",
            "",
            "def get(payload):",
            "    return state.get('count') or b'0'",
            "",
            "def reset(payload):",
            "    return 'yes' if state.delete('count') else 'no'",
            "",
            "def keys(payload):",
            "    return ','.join(state.keys(payload.decode()))",
            "",
            "def greet(payload):",
            "    return kelpie.host_call('greeting', 'hello', payload)",
            "",
            "def visit(payload):",
            "    return kelpie.call('counter', payload, 'increment')",
            "",
            "def missing(payload):",
            "    try:",
            "        kelpie.host_call('nowhere', 'nothing')",
            "    except kelpie.HostError as e:",
            "        return 'host error: ' + str(e)",
            "",
            "def talk(payload):",
            "    print('printed', payload.decode())",
            "    kelpie.console('console line')",
            "    return b''",
            "");

    @Test
    void theKelpieModuleReachesStateLogHostFunctionsAndActors() {
        WapcInstance counter = start(Python.install("counter.py", COUNTER));
        assertThat(call(counter, "increment", "")).isEqualTo("1");
        assertThat(call(counter, "increment", "")).isEqualTo("2");
        assertThat(call(counter, "get", "")).isEqualTo("2");
        assertThat(table.state).containsKey("count");
        assertThat(table.logs).contains("info: count is now 2");
        table.state.put("count-b", new byte[0]);
        assertThat(call(counter, "keys", "count")).isEqualTo("count,count-b");
        assertThat(call(counter, "reset", "")).isEqualTo("yes");
        assertThat(call(counter, "reset", "")).isEqualTo("no");
        assertThat(call(counter, "greet", "Python")).isEqualTo("Hello, Python!");
        assertThat(call(counter, "visit", "c-1")).isEqualTo("1");
        assertThat(table.actorCalls).containsExactly("counter\nc-1\nincrement\n");
        assertThat(call(counter, "missing", "")).startsWith("host error: no host function for binding 'kelpie',"
                + " namespace 'nowhere'");
        call(counter, "talk", "hi");
        assertThat(console.lines).contains("printed hi", "console line");
    }

    static final String SCHEDULER = String.join("\n",
            "from kelpie import timers, reminders",
            "",
            "def schedule(payload):",
            "    timers.set('tick', 'increment', 250, 1000, b'\\x00\\n1')",
            "    timers.set(b'once', 'get', 0)",
            "    reminders.set('remind', 'increment', 5000, 0, '41')",
            "    reminders.set('daily', b'report', 86400000, 86400000)",
            "    return ','.join(reminders.list())",
            "",
            "def cancel(payload):",
            "    return '%s %s %s' % (timers.cancel('tick'), reminders.cancel('daily'), reminders.cancel('daily'))",
            "",
            "def bad(payload):",
            "    kind, arg = payload.decode().split(' ')",
            "    if kind == 'delay':",
            "        reminders.set('r', 'increment', int(arg) if arg != 'str' else arg)",
            "    elif kind == 'name':",
            "        timers.set('a\\nb', 'increment', 1)",
            "    return 'no error'",
            "");

    @Test
    void timersAndRemindersSendTheHostTheirRequests() {
        WapcInstance actor = start(Python.install("scheduler.py", SCHEDULER));
        assertThat(call(actor, "schedule", "")).isEqualTo("daily,remind");
        assertThat(table.scheduleCalls).containsExactly(
                "timers.set tick\nincrement\n250\n1000\n\u0000\n1",
                "timers.set once\nget\n0\n0\n",
                "reminders.set remind\nincrement\n5000\n0\n41",
                "reminders.set daily\nreport\n86400000\n86400000\n");
        assertThat(call(actor, "cancel", "")).isEqualTo("True True False");

        assertThat(failure(actor, "bad", "delay -1").detail()).contains("ValueError: delay_ms must be zero or more, was -1");
        assertThat(failure(actor, "bad", "delay str").detail()).contains("TypeError: delay_ms must be an int (milliseconds), not str");
        assertThat(failure(actor, "bad", "name x").detail()).contains("ValueError: name and operation must not contain a newline");
        assertThat(table.scheduleCalls).hasSize(4);
    }

    @Test
    void aPythonExceptionIsTheCallsErrorWithItsTraceback() {
        WapcInstance actor = start(Python.install("failing.py", "def fail(payload):\n    return helper()\n\n"
                + "def helper():\n    raise ValueError('bad input')\n\ndef wrong(payload):\n    return 42\n"));
        GuestCallException e = failure(actor, "fail", "");
        assertThat(e.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(e.detail()).doesNotContain("<stdin>", "_kelpie").contains("Traceback (most recent call last):", "File \"failing.py\", line 2, in fail",
                "line 5, in helper", "ValueError: bad input");
        assertThat(failure(actor, "wrong", "").detail()).isEqualTo("operation 'wrong' returned int; an operation returns"
                + " bytes, str or None");
        assertThat(failure(actor, "nope", "").detail()).isEqualTo("unknown operation: nope (operations: fail, helper, wrong)");
        assertThat(actor.isClosed()).as("a Python error is an answer, not a trap").isFalse();
        assertThat(failure(actor, "helper", "").detail()).isEqualTo("Traceback (most recent call last):\n"
                + "TypeError: helper() takes 0 positional arguments but 1 were given\n");
    }

    @Test
    void aSyntaxErrorFailsTheInstanceWithItsLineNumber() {
        CompiledModule broken = Python.install("broken.py", "def ok(payload):\n    return payload\n\ndef bad(:\n    pass\n");
        ModuleInstantiationException e = catchThrowableOfType(ModuleInstantiationException.class, () -> start(broken));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("broken.py", "line 4", "SyntaxError");
    }

    @Test
    void anEndlessLoopIsStoppedByTheCallTimeout() {
        CompiledModule loop = Python.install("loop.py", "def spin(payload):\n    while True:\n        pass\n\n"
                + "def ok(payload):\n    return 'ok'\n");
        host.instantiate(loop, InstanceOptions.labelled("warm-up")).close(); // a cold start-up can take a second
        WapcInstance actor = host.instantiate(loop, InstanceOptions.labelled("loop").withCallTimeout(Duration.ofSeconds(3)));
        instances.add(actor);
        assertThat(call(actor, "ok", "")).isEqualTo("ok");
        long start = System.nanoTime();
        GuestCallException e = failure(actor, "spin", "");
        assertThat(e.kind()).isEqualTo(Kind.INTERRUPTED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void memoryErrorAndRecursionStayInsideTheActor() {
        CompiledModule greedy = Python.install("greedy.py", String.join("\n",
                "def hog(payload):",
                "    chunks = []",
                "    while True:",
                "        chunks.append(bytearray(1024 * 1024))",
                "",
                "def deep(payload):",
                "    return deep(payload)",
                "",
                "def ok(payload):",
                "    return 'still here'",
                ""));
        WapcInstance actor = host.instantiate(greedy, InstanceOptions.labelled("greedy").withMaxMemoryPages(256));
        instances.add(actor);
        GuestCallException memory = failure(actor, "hog", "");
        assertThat(memory.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(memory.detail()).contains("MemoryError");
        assertThat(call(actor, "ok", "")).isEqualTo("still here");
        GuestCallException recursion = failure(actor, "deep", "");
        assertThat(recursion.kind()).isEqualTo(Kind.GUEST_ERROR);
        assertThat(recursion.detail()).contains("maximum recursion depth exceeded");
        assertThat(call(actor, "ok", "")).isEqualTo("still here");
        assertThat(actor.memoryPages()).isLessThanOrEqualTo(256);
    }

    @Test
    void activationsHaveTheirOwnInterpreterAndShareTheCompiledModule() {
        CompiledModule counter = Python.install("counter.py", COUNTER);
        CompiledModule other = Python.install("other.py", "def get(payload):\n    return 'other'\n");
        assertThat(other.descriptor().hash()).isNotEqualTo(counter.descriptor().hash());
        assertThat(((dev.kelpie.api.wasm.ChicoryModule) other).machineFactory())
                .isSameAs(((dev.kelpie.api.wasm.ChicoryModule) counter).machineFactory());
        WapcInstance a = start(Python.install("g.py", "n = 0\ndef inc(payload):\n    global n\n    n += 1\n    return str(n)\n"));
        WapcInstance b = start(Python.install("g.py", "n = 0\ndef inc(payload):\n    global n\n    n += 1\n    return str(n)\n"));
        assertThat(call(a, "inc", "")).isEqualTo("1");
        assertThat(call(a, "inc", "")).isEqualTo("2");
        assertThat(call(b, "inc", "")).isEqualTo("1");
        assertThat(call(start(other), "get", "")).isEqualTo("other");
    }

    @Test
    void laterActivationsStartFromTheInterpreterImageAndBehaveAlike() {
        String source = "import kelpie\nn = 0\ndef inc(payload):\n    global n\n    n += 1\n"
                + "    return str(n) + ' ' + payload.decode()\n\ndef boom(payload):\n    raise KeyError('k')\n";
        CompiledModule module = Python.install("image.py", source);
        WapcInstance first = start(module); // boots the interpreter and leaves the image
        assertThat(adapter.imageCount()).isEqualTo(1);
        System.out.println("a Python activation's memory after start-up: " + first.memoryPages() + " pages");
        assertThat(first.memoryPages()).as("pages after start-up").isLessThan(32);
        WapcInstance second = start(module); // copies the image in
        WapcInstance third = start(Python.install("image2.py", source + "\ndef extra(payload):\n    return 'x'\n"));
        assertThat(adapter.imageCount()).as("one image for every module of the interpreter").isEqualTo(1);
        for (WapcInstance i : List.of(first, second)) {
            assertThat(call(i, "inc", "a")).isEqualTo("1 a");
            assertThat(call(i, "inc", "b")).isEqualTo("2 b");
            assertThat(failure(i, "boom", "").detail()).contains("KeyError");
            assertThat(call(i, "inc", "c")).isEqualTo("3 c");
        }
        assertThat(call(third, "extra", "")).isEqualTo("x");
        assertThat(call(third, "inc", "z")).isEqualTo("1 z");

        ChicoryWapcHost plain = new ChicoryWapcHost(WapcSettings.DEFAULTS);
        MicroPythonAdapter noImages = new MicroPythonAdapter(false);
        plain.addGuestAdapter(noImages);
        try (WapcInstance booted = plain.instantiate(module, InstanceOptions.labelled("booted"))) {
            assertThat(call(booted, "inc", "a")).isEqualTo("1 a");
            assertThat(booted.memoryPages()).isEqualTo(first.memoryPages());
        }
        assertThat(noImages.imageCount()).isZero();
    }

    @Test
    void theJsModuleOffersOnlyKelpiesFunctions() {
        WapcInstance actor = start(Python.install("js_use.py", String.join("\n",
                "import js",
                "def missing(payload):",
                "    return str(js.document)",
                "def wrong(payload):",
                "    js.kelpie_console_log('not an int', 3)",
                "def ok(payload):",
                "    return 'ok'",
                "")));
        assertThat(failure(actor, "missing", "").detail()).contains("AttributeError", "document");
        assertThat(call(actor, "ok", "")).isEqualTo("ok");
        GuestCallException wrong = failure(actor, "wrong", "");
        assertThat(wrong.kind()).isEqualTo(Kind.TRAP);
        assertThat(wrong.detail()).contains("Python passed js.kelpie_console_log a str as argument 1", "take ints only");
    }
}
