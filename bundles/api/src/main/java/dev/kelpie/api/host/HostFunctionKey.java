package dev.kelpie.api.host;

import java.util.Objects;

/**
 * The key a host function is found under.
 *
 * @param binding waPC binding
 * @param namespace namespace
 * @param operation operation, or {@link HostFunction#ANY_OPERATION}
 */
public record HostFunctionKey(String binding, String namespace, String operation) {
    public HostFunctionKey {
        Objects.requireNonNull(binding, "binding");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(operation, "operation");
        if (namespace.isEmpty()) {
            throw new IllegalArgumentException("a host function needs a non-empty namespace");
        }
        if (operation.isEmpty()) {
            throw new IllegalArgumentException("a host function needs a non-empty operation (or '*')");
        }
    }

    public boolean isWildcard() {
        return HostFunction.ANY_OPERATION.equals(operation);
    }

    @Override
    public String toString() {
        return binding + "/" + namespace + "/" + operation;
    }
}
