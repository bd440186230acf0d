package dev.kelpie.host.actors;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kelpie/actors/call}: payload {@code type\nid\noperation\n} (UTF-8) followed by the raw payload for
 * the target; calls {@link ActorContext#call(ActorId, String, byte[])} and answers with the target's
 * response. A failed invocation's {@link dev.kelpie.api.actor.ActorInvocationException} propagates, so its
 * message (reason, actor, operation, detail) becomes the guest's host error.
 */
@Component(service = HostFunction.class, property = {
    HostFunction.BINDING + "=" + HostFunction.DEFAULT_BINDING,
    HostFunction.NAMESPACE + "=" + ActorsHostFunctions.NAMESPACE,
    HostFunction.OPERATION + "=" + ActorsHostFunctions.CALL
})
public final class ActorsCall implements HostFunction {
    static final String MALFORMED = "bad actors.call payload: expected type\\nid\\noperation\\n<payload>";

    @Override
    public byte[] call(HostCall call) {
        ActorContext context = ActorsHostFunctions.context(call);
        byte[] payload = call.payload();
        int typeEnd = indexOf(payload, 0);
        int idEnd = typeEnd < 0 ? -1 : indexOf(payload, typeEnd + 1);
        int opEnd = idEnd < 0 ? -1 : indexOf(payload, idEnd + 1);
        if (opEnd < 0) {
            throw new IllegalArgumentException(MALFORMED);
        }
        String type = utf8(payload, 0, typeEnd);
        String id = utf8(payload, typeEnd + 1, idEnd);
        String operation = utf8(payload, idEnd + 1, opEnd);
        ActorId target = new ActorId(type, id);
        return context.call(target, operation, Arrays.copyOfRange(payload, opEnd + 1, payload.length));
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String utf8(byte[] bytes, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(MALFORMED + " (the header is not valid UTF-8)");
        }
    }
}
