package dev.kelpie.host.actors;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host functions of namespace {@value #NAMESPACE}: an actor calling another actor from inside its
 * turn. In OSGi each operation is its own Declarative Services component; {@link #all()} gives the same
 * functions for plain-Java embedding.
 *
 * <p>{@code call}: payload {@code type\nid\noperation\n} followed by the raw payload for the target;
 * response the target's response.
 */
public final class ActorsHostFunctions {
    public static final String NAMESPACE = "actors";
    public static final String CALL = "call";

    private ActorsHostFunctions() {}

    /** Every actors function by its key (binding {@code kelpie}). */
    public static Map<HostFunctionKey, HostFunction> all() {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(CALL), new ActorsCall());
        return functions;
    }

    static HostFunctionKey key(String operation) {
        return new HostFunctionKey(HostFunction.DEFAULT_BINDING, NAMESPACE, operation);
    }

    /** The calling actor's context, or an error naming the instance when the caller is no actor. */
    static ActorContext context(HostCall call) {
        ActorContext context = call.callerContext(ActorContext.class);
        if (context == null) {
            throw new IllegalStateException(NAMESPACE + " is only available to actors (instance '"
                    + call.instanceLabel() + "' is not an actor)");
        }
        return context;
    }
}
