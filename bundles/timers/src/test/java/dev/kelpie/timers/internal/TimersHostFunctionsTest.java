package dev.kelpie.timers.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.timers.ScheduleRejectedException;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The payloads of the timers and reminders host functions, their answers and their errors. */
class TimersHostFunctionsTest {
    private final ManualScheduler clock = new ManualScheduler();
    /** Nothing fires in these tests, so the runtime is never asked. */
    private final ActorRuntime noRuntime = (ActorRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ActorRuntime.class}, (p, m, a) -> {
                throw new AssertionError("the runtime was asked: " + m.getName());
            });
    private final KelpieTimers timers = new KelpieTimers(noRuntime, new InMemoryStateStore(), TimerSettings.DEFAULTS, clock);
    private final Map<HostFunctionKey, HostFunction> functions = TimersHostFunctions.all(timers, timers);
    private final ActorId self = new ActorId("counter", "c1");

    @AfterEach
    void tearDown() {
        timers.close();
    }

    private final ActorContext context = new ActorContext() {
        @Override
        public ActorId self() {
            return self;
        }

        @Override
        public ActorState state() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] call(ActorId target, String operation, byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String operation() {
            return "remind";
        }
    };

    private byte[] call(String namespace, String operation, String payload, Object callerContext) throws Exception {
        HostFunction f = functions.get(new HostFunctionKey("kelpie", namespace, operation));
        return f.call(new HostCall("kelpie", namespace, operation, payload.getBytes(UTF_8), null, "counter:c1", callerContext));
    }

    @Test
    void everyKeyIsThere() {
        assertThat(functions.keySet()).extracting(k -> k.namespace() + "/" + k.operation())
                .containsExactly("timers/set", "timers/cancel", "reminders/set", "reminders/cancel", "reminders/list");
    }

    @Test
    void setCancelAndListForTheCallingActor() throws Exception {
        assertThat(call("timers", "set", "tick\nincrement\n250\n1000\n5", context)).isEmpty();
        assertThat(timers.timers(self)).containsExactly("tick");
        assertThat(clock.pending()).containsExactly(250L);
        assertThat(call("timers", "cancel", "tick", context)).containsExactly(1);
        assertThat(call("timers", "cancel", "tick", context)).containsExactly(0);

        assertThat(call("reminders", "set", "later\nincrement\n60000\n0\n2\n3", context)).isEmpty();
        assertThat(call("reminders", "set", "again\nincrement\n 10 \n0\n", context)).isEmpty();
        assertThat(timers.reminders(self).get(1).payload()).isEqualTo("2\n3".getBytes(UTF_8));
        assertThat(timers.reminders(self).get(1).due().toEpochMilli()).isEqualTo(clock.nowMillis() + 60_000);
        assertThat(new String(call("reminders", "list", "", context), UTF_8)).isEqualTo("again\nlater");
        assertThat(call("reminders", "cancel", "later", context)).containsExactly(1);
        assertThat(new String(call("reminders", "list", "", context), UTF_8)).isEqualTo("again");
    }

    @Test
    void badPayloadsAndCallersAreHostErrorsNamingTheProblem() {
        assertThatThrownBy(() -> call("timers", "set", "tick\nincrement\n250", context))
                .hasMessage("bad timers.set payload: expected name\\noperation\\ndelay_ms\\nperiod_ms\\n<payload>");
        assertThatThrownBy(() -> call("reminders", "set", "r\nincrement\nsoon\n0\n", context))
                .hasMessage("bad reminders.set payload: delay_ms 'soon' is not a decimal count of milliseconds");
        assertThatThrownBy(() -> call("reminders", "set", "r\nincrement\n0\n-5\n", context))
                .hasMessage("bad reminders.set payload: period_ms '-5' is not a decimal count of milliseconds");
        assertThatThrownBy(() -> call("timers", "set", "tick\nincrement\n0\n10\n", context))
                .isInstanceOf(ScheduleRejectedException.class)
                .hasMessage("timer 'tick' of actor counter:c1 refused: period 10 ms is under the minimum of 100 ms (min_period_ms)");
        assertThatThrownBy(() -> call("reminders", "list", "", null))
                .hasMessage("reminders is only available to actors (instance 'counter:c1' is not an actor)");
        HostFunction cancel = functions.get(new HostFunctionKey("kelpie", "timers", "cancel"));
        assertThatThrownBy(() -> cancel.call(new HostCall("kelpie", "timers", "cancel", new byte[] {(byte) 0xff}, null, "x", context)))
                .hasMessage("bad timers.cancel payload: the name (not valid UTF-8)");
    }

    @Test
    void withoutTheServiceTheGuestGetsAHostErrorNamingTheBundle() {
        assertThatThrownBy(() -> new RemindersSet().call(new HostCall("kelpie", "reminders", "set",
                "r\nop\n0\n0\n".getBytes(UTF_8), null, "counter:c1", context)))
                .hasMessage("reminders are not available: the service of bundle dev.kelpie.timers is not running");
    }
}
