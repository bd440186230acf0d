package dev.kelpie.wapc;

import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The whiteboard of host functions, keyed by binding, namespace and operation. Several functions may be
 * registered under one key (services come and go); the earliest still registered answers. An exact
 * operation wins over the namespace's {@code *}.
 */
final class HostFunctionTable {
    private final ConcurrentHashMap<HostFunctionKey, CopyOnWriteArrayList<HostFunction>> functions =
            new ConcurrentHashMap<>();

    void add(HostFunctionKey key, HostFunction function) {
        functions.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(function);
    }

    void remove(HostFunctionKey key, HostFunction function) {
        functions.computeIfPresent(key, (k, list) -> {
            list.remove(function);
            return list.isEmpty() ? null : list;
        });
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
