package dev.kelpie.host.state;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host functions of namespace {@value #NAMESPACE}: a WASM actor's key-value state. In OSGi each
 * operation is its own Declarative Services component; {@link #all()} gives the same functions for
 * plain-Java embedding.
 *
 * <table>
 * <caption>operations (binding {@code kelpie})</caption>
 * <tr><th>operation</th><th>payload</th><th>response</th></tr>
 * <tr><td>{@code get}</td><td>key</td><td>{@code 0x01} + value, or {@code 0x00} when absent</td></tr>
 * <tr><td>{@code set}</td><td>u32 LE key length, key, value</td><td>empty</td></tr>
 * <tr><td>{@code delete}</td><td>key</td><td>{@code 0x01} if the key had a value, else {@code 0x00}</td></tr>
 * <tr><td>{@code keys}</td><td>prefix (may be empty)</td><td>keys joined by {@code \n}</td></tr>
 * </table>
 *
 * <p>Keys are UTF-8. The calls need an actor context: guests that are not actors get an error.
 */
public final class StateHostFunctions {
    public static final String NAMESPACE = "state";
    public static final String GET = "get";
    public static final String SET = "set";
    public static final String DELETE = "delete";
    public static final String KEYS = "keys";

    static final byte[] EMPTY = new byte[0];
    static final byte[] ABSENT = {0x00};
    static final byte[] PRESENT = {0x01};

    private StateHostFunctions() {}

    /** Every state function by its key (binding {@code kelpie}), in the order get, set, delete, keys. */
    public static Map<HostFunctionKey, HostFunction> all() {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(GET), new StateGet());
        functions.put(key(SET), new StateSet());
        functions.put(key(DELETE), new StateDelete());
        functions.put(key(KEYS), new StateKeys());
        return functions;
    }

    static HostFunctionKey key(String operation) {
        return new HostFunctionKey(HostFunction.DEFAULT_BINDING, NAMESPACE, operation);
    }

    /** The calling actor's state, or an error naming the instance when the caller is no actor. */
    static ActorState state(HostCall call) {
        ActorContext context = call.callerContext(ActorContext.class);
        if (context == null) {
            throw new IllegalStateException(NAMESPACE + " is only available to actors (instance '"
                    + call.instanceLabel() + "' is not an actor)");
        }
        return context.state();
    }

    /** Strict UTF-8 decoding: a key must not silently change on its way in. */
    static String utf8(byte[] bytes, int offset, int length, String operation, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("bad " + NAMESPACE + "." + operation + " payload: the " + what
                    + " is not valid UTF-8");
        }
    }

    static String utf8(byte[] bytes, String operation, String what) {
        return utf8(bytes, 0, bytes.length, operation, what);
    }
}
