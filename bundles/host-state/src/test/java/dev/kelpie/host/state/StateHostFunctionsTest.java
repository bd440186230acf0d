package dev.kelpie.host.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateHostFunctionsTest {
    private final TestActorContext actor = new TestActorContext(ActorId.of("counter", "a-1"));
    private final Map<HostFunctionKey, HostFunction> fns = StateHostFunctions.all();

    private byte[] call(String op, byte[] payload) throws Exception {
        return call(op, payload, actor);
    }

    private byte[] call(String op, byte[] payload, Object context) throws Exception {
        HostFunctionKey key = new HostFunctionKey("kelpie", "state", op);
        return fns.get(key).call(new HostCall("kelpie", "state", op, payload, null, "counter:a-1", context));
    }

    static byte[] setPayload(String key, byte[] value) {
        byte[] k = key.getBytes(UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(k.length & 0xFF);
        out.write((k.length >>> 8) & 0xFF);
        out.write((k.length >>> 16) & 0xFF);
        out.write((k.length >>> 24) & 0xFF);
        out.writeBytes(k);
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte head, byte[] tail) {
        byte[] out = new byte[tail.length + 1];
        out[0] = head;
        System.arraycopy(tail, 0, out, 1, tail.length);
        return out;
    }

    @Test
    void allListsTheFourOperationsUnderBindingKelpie() {
        assertThat(fns.keySet()).containsExactly(
                new HostFunctionKey("kelpie", "state", "get"),
                new HostFunctionKey("kelpie", "state", "set"),
                new HostFunctionKey("kelpie", "state", "delete"),
                new HostFunctionKey("kelpie", "state", "keys"));
    }

    @Test
    void getOfAnAbsentKeyIsTheSingleByteZero() throws Exception {
        assertThat(call("get", "missing".getBytes(UTF_8))).containsExactly(0x00);
    }

    @Test
    void setThenGetRoundTripsBinaryValues() throws Exception {
        byte[] value = {0x00, 0x0a, (byte) 0xff, 0x01, 0x0a, 0x00};
        assertThat(call("set", setPayload("bin", value))).isEmpty();
        assertThat(actor.data.get("bin")).containsExactly(value);
        assertThat(call("get", "bin".getBytes(UTF_8))).containsExactly(concat((byte) 0x01, value));
    }

    @Test
    void anEmptyValueIsPresentAndDistinctFromAbsent() throws Exception {
        call("set", setPayload("empty", new byte[0]));
        assertThat(call("get", "empty".getBytes(UTF_8))).containsExactly(0x01);
        assertThat(call("delete", "empty".getBytes(UTF_8))).containsExactly(0x01);
        assertThat(call("get", "empty".getBytes(UTF_8))).containsExactly(0x00);
    }

    @Test
    void setOverwrites() throws Exception {
        call("set", setPayload("k", "one".getBytes(UTF_8)));
        call("set", setPayload("k", "two".getBytes(UTF_8)));
        assertThat(call("get", "k".getBytes(UTF_8))).containsExactly(concat((byte) 1, "two".getBytes(UTF_8)));
    }

    @Test
    void unicodeKeysAreUtf8() throws Exception {
        call("set", setPayload("größe/🐟", "x".getBytes(UTF_8)));
        assertThat(actor.data).containsKey("größe/🐟");
        assertThat(call("get", "größe/🐟".getBytes(UTF_8))).containsExactly(0x01, 'x');
    }

    @Test
    void deleteAnswersWhetherTheKeyHadAValue() throws Exception {
        call("set", setPayload("k", new byte[] {7}));
        assertThat(call("delete", "k".getBytes(UTF_8))).containsExactly(0x01);
        assertThat(call("delete", "k".getBytes(UTF_8))).containsExactly(0x00);
        assertThat(actor.data).isEmpty();
    }

    @Test
    void keysListsByPrefixInAscendingOrderJoinedByNewline() throws Exception {
        for (String k : new String[] {"user/b", "user/a", "order/1", "user/c/x", "userx"}) {
            call("set", setPayload(k, new byte[] {0x0a}));
        }
        assertThat(new String(call("keys", "user/".getBytes(UTF_8)), UTF_8)).isEqualTo("user/a\nuser/b\nuser/c/x");
        assertThat(new String(call("keys", new byte[0]), UTF_8))
                .isEqualTo("order/1\nuser/a\nuser/b\nuser/c/x\nuserx");
        assertThat(call("keys", "nothing".getBytes(UTF_8))).isEmpty();
    }

    @Test
    void keysOfAnEmptyStateIsEmpty() throws Exception {
        assertThat(call("keys", new byte[0])).isEmpty();
    }

    @Test
    void setWithAPayloadShorterThanTheLengthFails() {
        assertThatThrownBy(() -> call("set", new byte[] {1, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad state.set payload: ")
                .hasMessageContaining("3 bytes");
        assertThatThrownBy(() -> call("set", new byte[0])).hasMessageStartingWith("bad state.set payload: ");
    }

    @Test
    void setWithAKeyLengthPastTheEndFails() {
        assertThatThrownBy(() -> call("set", new byte[] {5, 0, 0, 0, 'a', 'b'}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad state.set payload: key length 5 runs past the end of the 6-byte payload");
        // the length is unsigned: 0xFFFFFFFF is 4294967295, not -1
        assertThatThrownBy(() -> call("set", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a'}))
                .hasMessageStartingWith("bad state.set payload: key length 4294967295 runs past");
        assertThat(actor.data).isEmpty();
    }

    @Test
    void setWithKeyLengthExactlyThePayloadStoresAnEmptyValue() throws Exception {
        call("set", new byte[] {2, 0, 0, 0, 'a', 'b'});
        assertThat(actor.data.get("ab")).isEmpty();
    }

    @Test
    void keyValidationErrorsOfTheStatePropagate() {
        assertThatThrownBy(() -> call("set", setPayload("", new byte[] {1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("state key must be 1 to 1024 bytes, was 0");
        assertThatThrownBy(() -> call("get", new byte[0])).hasMessage("state key must be 1 to 1024 bytes, was 0");
        assertThatThrownBy(() -> call("delete", "a\0b".getBytes(UTF_8)))
                .hasMessage("state key must not contain NUL or newline");
        assertThatThrownBy(() -> call("set", setPayload("x".repeat(1025), new byte[0])))
                .hasMessage("state key must be 1 to 1024 bytes, was 1025");
    }

    @Test
    void keysThatAreNotUtf8AreRejected() {
        assertThatThrownBy(() -> call("get", new byte[] {(byte) 0xc3}))
                .hasMessage("bad state.get payload: the key is not valid UTF-8");
        assertThatThrownBy(() -> call("set", new byte[] {1, 0, 0, 0, (byte) 0xff, 1}))
                .hasMessage("bad state.set payload: the key is not valid UTF-8");
        assertThatThrownBy(() -> call("keys", new byte[] {(byte) 0x80}))
                .hasMessage("bad state.keys payload: the prefix is not valid UTF-8");
    }

    @Test
    void everyOperationNeedsAnActorContext() {
        for (String op : new String[] {"get", "set", "delete", "keys"}) {
            assertThatThrownBy(() -> fns.get(new HostFunctionKey("kelpie", "state", op))
                            .call(new HostCall("kelpie", "state", op, new byte[] {1, 0, 0, 0, 'k'}, null, "demo", null)))
                    .as(op)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("state is only available to actors (instance 'demo' is not an actor)");
        }
        // a context of another type is no actor either
        assertThatThrownBy(() -> call("get", "k".getBytes(UTF_8), "not a context"))
                .hasMessage("state is only available to actors (instance 'counter:a-1' is not an actor)");
    }

    @Test
    void eachFunctionIsADistinctComponentClass() {
        assertThat(fns.values()).extracting(f -> f.getClass().getSimpleName())
                .containsExactly("StateGet", "StateSet", "StateDelete", "StateKeys");
    }
}
