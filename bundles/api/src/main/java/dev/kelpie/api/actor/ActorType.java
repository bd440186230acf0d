package dev.kelpie.api.actor;

import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A deployed actor type: its name (the namespace of its actors' ids), what runs it, and its limits.
 *
 * @param name the type's name, also the namespace of its actors' {@link ActorId}s
 * @param module the WASM module running it, or null for a native type
 * @param nativeFactory creates a native actor per activation, or null for a WASM type
 * @param limits the type's limits
 * @param hostNamespaces host namespaces its WASM actors may call besides the core ones, or null for no
 *     restriction
 * @param environment what its WASI guests are given (arguments, environment variables, a directory);
 *     {@link GuestEnvironment#NONE} when null, and for a native type
 */
public record ActorType(String name, ModuleHash module, Supplier<? extends Actor> nativeFactory, ActorLimits limits,
        Set<String> hostNamespaces, GuestEnvironment environment) {

    public ActorType {
        ActorId.check("type name", name, ActorId.MAX_NAMESPACE_BYTES);
        if ((module == null) == (nativeFactory == null)) {
            throw new IllegalArgumentException("actor type '" + name + "' needs exactly one of a module or a native factory");
        }
        Objects.requireNonNull(limits, "limits");
        hostNamespaces = hostNamespaces == null ? null : Set.copyOf(hostNamespaces);
        environment = environment == null ? GuestEnvironment.NONE : environment;
        if (module == null && !environment.isEmpty()) {
            throw new IllegalArgumentException("native actor type '" + name + "' cannot have a WASI environment");
        }
    }

    /** A type without a guest environment (as before it existed). */
    public ActorType(String name, ModuleHash module, Supplier<? extends Actor> nativeFactory, ActorLimits limits,
            Set<String> hostNamespaces) {
        this(name, module, nativeFactory, limits, hostNamespaces, GuestEnvironment.NONE);
    }

    public static ActorType wasm(String name, ModuleHash module, ActorLimits limits) {
        return new ActorType(name, module, null, limits, null);
    }

    public static ActorType wasm(String name, ModuleHash module) {
        return wasm(name, module, ActorLimits.DEFAULTS);
    }

    public static ActorType nativeType(String name, Supplier<? extends Actor> factory, ActorLimits limits) {
        return new ActorType(name, null, factory, limits, null);
    }

    public static ActorType nativeType(String name, Supplier<? extends Actor> factory) {
        return nativeType(name, factory, ActorLimits.DEFAULTS);
    }

    public ActorType withHostNamespaces(Set<String> namespaces) {
        return new ActorType(name, module, nativeFactory, limits, namespaces, environment);
    }

    /** The same type with this guest environment (null: none). */
    public ActorType withEnvironment(GuestEnvironment env) {
        return new ActorType(name, module, nativeFactory, limits, hostNamespaces, env);
    }

    public boolean isWasm() {
        return module != null;
    }
}
