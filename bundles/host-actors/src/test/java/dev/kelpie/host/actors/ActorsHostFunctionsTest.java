package dev.kelpie.host.actors;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ActorsHostFunctionsTest {
    record Sent(ActorId target, String operation, byte[] payload) {}

    /** Test-only actor context: records calls and answers with a function of them; state in a TreeMap. */
    static final class TestActorContext implements ActorContext {
        final List<Sent> sent = new ArrayList<>();
        final TreeMap<String, byte[]> data = new TreeMap<>();
        Function<Sent, byte[]> answer = s -> s.payload();

        @Override
        public ActorId self() {
            return ActorId.of("caller", "c1");
        }

        @Override
        public ActorState state() {
            return new ActorState() {
                @Override
                public Optional<byte[]> get(String key) {
                    return Optional.ofNullable(data.get(key));
                }

                @Override
                public void put(String key, byte[] value) {
                    data.put(key, value);
                }

                @Override
                public boolean delete(String key) {
                    return data.remove(key) != null;
                }

                @Override
                public List<String> keys(String prefix) {
                    return data.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
                }
            };
        }

        @Override
        public byte[] call(ActorId target, String operation, byte[] payload) {
            Sent s = new Sent(target, operation, payload);
            sent.add(s);
            return answer.apply(s);
        }

        @Override
        public String operation() {
            return "run";
        }
    }

    private final TestActorContext actor = new TestActorContext();
    private final Map<HostFunctionKey, HostFunction> fns = ActorsHostFunctions.all();

    private byte[] call(byte[] payload) throws Exception {
        return call(payload, actor, "caller:c1");
    }

    private byte[] call(byte[] payload, Object context, String label) throws Exception {
        return fns.get(new HostFunctionKey("kelpie", "actors", "call"))
                .call(new HostCall("kelpie", "actors", "call", payload, null, label, context));
    }

    private static byte[] request(String header, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.getBytes(UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Test
    void allListsCall() {
        assertThat(fns.keySet()).containsExactly(new HostFunctionKey("kelpie", "actors", "call"));
    }

    @Test
    void callsTheTargetAndReturnsItsResponse() throws Exception {
        actor.answer = s -> ("pong from " + s.target()).getBytes(UTF_8);
        byte[] response = call(request("counter\nc-7\nincrement\n", "by 2".getBytes(UTF_8)));
        assertThat(new String(response, UTF_8)).isEqualTo("pong from counter:c-7");
        assertThat(actor.sent).hasSize(1);
        Sent s = actor.sent.get(0);
        assertThat(s.target()).isEqualTo(ActorId.of("counter", "c-7"));
        assertThat(s.operation()).isEqualTo("increment");
        assertThat(s.payload()).isEqualTo("by 2".getBytes(UTF_8));
    }

    @Test
    void theTargetPayloadIsPassedRawIncludingNewlinesAndZeroBytes() throws Exception {
        byte[] body = {0x0a, 0x00, 'x', 0x0a, (byte) 0xff, 0x0a};
        call(request("t\ni\nop\n", body));
        assertThat(actor.sent.get(0).payload()).containsExactly(body);
        assertThat(actor.sent.get(0).operation()).isEqualTo("op");
    }

    @Test
    void anEmptyTargetPayloadAndAnEmptyResponse() throws Exception {
        actor.answer = s -> new byte[0];
        assertThat(call(request("t\ni\nop\n", new byte[0]))).isEmpty();
        assertThat(actor.sent.get(0).payload()).isEmpty();
    }

    @Test
    void theOperationMayContainAnyTextButNewline() throws Exception {
        call(request("t\ni\nget user/größe\n", new byte[] {1}));
        assertThat(actor.sent.get(0).operation()).isEqualTo("get user/größe");
    }

    @Test
    void aMalformedHeaderFails() {
        for (String bad : new String[] {"", "t", "t\n", "t\ni", "t\ni\n", "t\ni\nop"}) {
            assertThatThrownBy(() -> call(bad.getBytes(UTF_8)))
                    .as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("bad actors.call payload: expected type\\nid\\noperation\\n<payload>");
        }
        assertThat(actor.sent).isEmpty();
    }

    @Test
    void aHeaderThatIsNotUtf8Fails() {
        assertThatThrownBy(() -> call(new byte[] {'t', '\n', (byte) 0xc3, '\n', 'o', '\n'}))
                .hasMessage("bad actors.call payload: expected type\\nid\\noperation\\n<payload> (the header is not valid UTF-8)");
    }

    @Test
    void anInvalidActorIdFailsWithItsMessage() {
        assertThatThrownBy(() -> call(request("\nid\nop\n", new byte[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actor namespace must not be empty");
        assertThatThrownBy(() -> call(request("t\nbad id\nop\n", new byte[0])))
                .hasMessage("actor id 'bad id' has the character ' ' at 3; allowed are A-Z a-z 0-9 . _ -");
        assertThatThrownBy(() -> call(request("t:x\ni\nop\n", new byte[0])))
                .hasMessageContaining("actor namespace 't:x' has the character ':'");
        assertThat(actor.sent).isEmpty();
    }

    @Test
    void anInvocationFailurePropagatesWithItsMessage() {
        actor.answer = s -> {
            throw new ActorInvocationException(s.target(), s.operation(), ActorInvocationException.Reason.ACTOR_ERROR,
                    "division by zero");
        };
        assertThatThrownBy(() -> call(request("calc\nc1\ndivide\n", "1/0".getBytes(UTF_8))))
                .isInstanceOf(ActorInvocationException.class)
                .hasMessage("actor error: actor calc:c1, operation 'divide': division by zero");
    }

    @Test
    void aCallCyclePropagates() {
        actor.answer = s -> {
            throw new ActorInvocationException(s.target(), s.operation(), ActorInvocationException.Reason.CALL_CYCLE,
                    "caller:c1 -> caller:c1");
        };
        assertThatThrownBy(() -> call(request("caller\nc1\nrun\n", new byte[0])))
                .hasMessage("call cycle: actor caller:c1, operation 'run': caller:c1 -> caller:c1");
    }

    @Test
    void needsAnActorContext() {
        assertThatThrownBy(() -> call(request("t\ni\nop\n", new byte[0]), null, "demo"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("actors is only available to actors (instance 'demo' is not an actor)");
        // checked before the payload: a non-actor learns that first
        assertThatThrownBy(() -> call(new byte[0], "something else", "demo"))
                .hasMessage("actors is only available to actors (instance 'demo' is not an actor)");
    }
}
