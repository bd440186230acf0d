package dev.kelpie.api.host;

import dev.kelpie.api.module.ModuleDescriptor;

/**
 * One call from a guest to the host.
 *
 * @param binding waPC binding the guest named
 * @param namespace namespace the guest named
 * @param operation operation the guest named
 * @param payload the guest's payload (a copy: the function may keep it)
 * @param module the calling guest's module
 * @param instanceLabel who is calling: the actor, or the label the instance was created with
 * @param callerContext what the instance's creator attached (the actor runtime attaches the actor's
 *     context), or null
 * @param output paces the calling instance's output: a function that writes lines for the guest (a
 *     logger) asks it before each line and drops the line when refused
 */
public record HostCall(
        String binding,
        String namespace,
        String operation,
        byte[] payload,
        ModuleDescriptor module,
        String instanceLabel,
        Object callerContext,
        OutputLimiter output) {

    public HostCall {
        output = output == null ? OutputLimiter.UNLIMITED : output;
    }

    /** A call whose output is not paced. */
    public HostCall(String binding, String namespace, String operation, byte[] payload, ModuleDescriptor module,
            String instanceLabel, Object callerContext) {
        this(binding, namespace, operation, payload, module, instanceLabel, callerContext, OutputLimiter.UNLIMITED);
    }

    /** The caller context as the given type, or null when absent or of another type. */
    public <T> T callerContext(Class<T> type) {
        return type.isInstance(callerContext) ? type.cast(callerContext) : null;
    }

    public HostFunctionKey key() {
        return new HostFunctionKey(binding, namespace, operation);
    }
}
