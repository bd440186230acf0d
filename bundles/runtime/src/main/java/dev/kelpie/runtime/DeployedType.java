package dev.kelpie.runtime;

import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.CompiledModule;
import java.util.HashSet;
import java.util.Set;

/** One deployment of an actor type: what runs it, resolved, with the type's counters. */
final class DeployedType {
    /** Host namespaces every WASM actor may call, declared or not. */
    static final Set<String> CORE_HOST_NAMESPACES = Set.of("state", "log", "clock", "random");

    final ActorType type;
    /** The compiled module of a WASM type, null for a native one. */
    final CompiledModule compiled;
    final TypeStats stats;
    /** Host namespaces its instances may call, or null for all. */
    final Set<String> hostNamespaces;
    /** While suspended, its actors hold their messages (a code update is under way). */
    volatile boolean suspended;
    /** Set once a deploy replaced this deployment or an undeploy removed it: look the type up again. */
    volatile boolean superseded;
    /** The type's invocation timeout, in nanoseconds (read on every turn). */
    final long invocationTimeoutNanos;

    DeployedType(ActorType type, CompiledModule compiled, TypeStats stats) {
        this.type = type;
        this.compiled = compiled;
        this.stats = stats;
        this.invocationTimeoutNanos = type.limits().invocationTimeout().toNanos();
        if (type.hostNamespaces() == null) {
            this.hostNamespaces = null;
        } else {
            Set<String> all = new HashSet<>(CORE_HOST_NAMESPACES);
            all.addAll(type.hostNamespaces());
            this.hostNamespaces = Set.copyOf(all);
        }
    }

    String name() {
        return type.name();
    }

    /** Whether an activation made for {@code other} runs the same code as one made for this. */
    boolean sameCodeAs(DeployedType other) {
        if (type.isWasm()) {
            return other.type.isWasm() && type.module().equals(other.type.module())
                    && java.util.Objects.equals(hostNamespaces, other.hostNamespaces)
                    && type.limits().maxMemoryBytes() == other.type.limits().maxMemoryBytes()
                    && type.environment().equals(other.type.environment());
        }
        return type.nativeFactory() == other.type.nativeFactory();
    }

    String runsOn() {
        return type.isWasm() ? compiled.descriptor().label() : "native";
    }
}
