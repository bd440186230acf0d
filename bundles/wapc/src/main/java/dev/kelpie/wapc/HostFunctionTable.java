package dev.kelpie.wapc;

import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The whiteboard of host functions, keyed by binding, namespace and operation. Several functions may be
 * registered under one key (services come and go); the earliest still registered answers. An exact
 * operation wins over the namespace's {@code *}.
 *
 * <p>Functions from the service registry are also remembered by registration with their current key, so
 * a service whose properties change moves to its new key ({@link #updateService}) and is removed from the
 * key it is actually under, whatever properties come with its removal: no stale entry keeps a departed
 * bundle's function (and its class loader) reachable.
 */
final class HostFunctionTable {
    private final ConcurrentHashMap<HostFunctionKey, CopyOnWriteArrayList<HostFunction>> functions =
            new ConcurrentHashMap<>();
    private final Map<Object, Registered> services = new HashMap<>(); // by registration, guarded by itself

    void add(HostFunctionKey key, HostFunction function) {
        functions.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(function);
    }

    void remove(HostFunctionKey key, HostFunction function) {
        functions.computeIfPresent(key, (k, list) -> {
            list.remove(function);
            return list.isEmpty() ? null : list;
        });
    }

    /**
     * Adds a function registered as a service; {@code registration} identifies the registration (its
     * {@code service.id}) in later updates and its removal.
     */
    void addService(Object registration, HostFunctionKey key, HostFunction function) {
        synchronized (services) {
            Registered previous = services.put(registration, new Registered(key, function));
            if (previous != null) {
                remove(previous.key, previous.function);
            }
            add(key, function);
        }
    }

    /**
     * Moves a service whose properties changed to its new key; with no valid new key (null) it is removed.
     * A moved function goes to the end of its new key's list.
     */
    void updateService(Object registration, HostFunctionKey key, HostFunction function) {
        synchronized (services) {
            Registered previous = key == null ? services.remove(registration)
                    : services.put(registration, new Registered(key, function));
            if (previous != null && previous.key.equals(key) && previous.function == function) {
                return;
            }
            if (previous != null) {
                remove(previous.key, previous.function);
            }
            if (key != null) {
                add(key, function);
            }
        }
    }

    /** Removes a function registered as a service, from the key it is under now. */
    void removeService(Object registration) {
        synchronized (services) {
            Registered previous = services.remove(registration);
            if (previous != null) {
                remove(previous.key, previous.function);
            }
        }
    }

    private static final class Registered {
        final HostFunctionKey key;
        final HostFunction function;

        Registered(HostFunctionKey key, HostFunction function) {
            this.key = key;
            this.function = function;
        }
    }

    HostFunction find(String binding, String namespace, String operation) {
        if (namespace.isEmpty() || operation.isEmpty()) {
            return null;
        }
        HostFunction f = first(new HostFunctionKey(binding, namespace, operation));
        return f != null ? f : first(new HostFunctionKey(binding, namespace, HostFunction.ANY_OPERATION));
    }

    private HostFunction first(HostFunctionKey key) {
        CopyOnWriteArrayList<HostFunction> list = functions.get(key);
        if (list == null) {
            return null;
        }
        for (HostFunction f : list) {
            return f;
        }
        return null;
    }

    List<HostFunctionKey> keys() {
        List<HostFunctionKey> keys = new ArrayList<>(functions.keySet());
        keys.sort((a, b) -> a.toString().compareTo(b.toString()));
        return keys;
    }
}
