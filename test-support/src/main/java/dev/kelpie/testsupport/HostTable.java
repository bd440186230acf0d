package dev.kelpie.testsupport;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.wapc.ChicoryWapcHost;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * In-test host functions with the payload formats of docs/host-functions.md: {@code state} (one map for
 * every guest), {@code log} (recorded), {@code greeting/hello}, {@code actors/call} answering for a counter
 * actor with a count per id, and {@code timers} and {@code reminders} (the requests recorded, cancel
 * answering whether the name was set, list the names set).
 */
public final class HostTable {
    /** The state every guest shares, by key. */
    public final Map<String, byte[]> state = new ConcurrentHashMap<>();
    /** The log lines, as "level: message". */
    public final List<String> logs = new CopyOnWriteArrayList<>();
    /** The payloads of {@code actors/call}. */
    public final List<String> actorCalls = new CopyOnWriteArrayList<>();
    /** The requests of {@code timers/set} and {@code reminders/set}, as "KIND.set PAYLOAD". */
    public final List<String> scheduleCalls = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> visits = new ConcurrentHashMap<>();

    /** {@code state/get}, {@code state/set}, {@code state/keys} and {@code state/delete} on {@link #state}. */
    public void registerState(ChicoryWapcHost host) {
        host.register(key("state", "get"), call -> {
            byte[] value = state.get(new String(call.payload(), UTF_8));
            if (value == null) {
                return new byte[] {0};
            }
            byte[] response = new byte[value.length + 1];
            response[0] = 1;
            System.arraycopy(value, 0, response, 1, value.length);
            return response;
        });
        host.register(key("state", "set"), call -> {
            ByteBuffer payload = ByteBuffer.wrap(call.payload()).order(ByteOrder.LITTLE_ENDIAN);
            int keyLength = payload.getInt();
            String key = new String(call.payload(), 4, keyLength, UTF_8);
            state.put(key, Arrays.copyOfRange(call.payload(), 4 + keyLength, call.payload().length));
            return new byte[0];
        });
        host.register(key("state", "keys"), call -> {
            String prefix = new String(call.payload(), UTF_8);
            return String.join("\n", new TreeSet<>(state.keySet()).stream().filter(k -> k.startsWith(prefix))
                    .collect(Collectors.toList())).getBytes(UTF_8);
        });
        host.register(key("state", "delete"),
                call -> new byte[] {(byte) (state.remove(new String(call.payload(), UTF_8)) != null ? 1 : 0)});
    }

    /** Every {@code log} operation, recorded in {@link #logs}. */
    public void registerLog(ChicoryWapcHost host) {
        host.register(key("log", "*"), call -> {
            logs.add(call.operation() + ": " + new String(call.payload(), UTF_8));
            return new byte[0];
        });
    }

    /** {@code greeting/hello}: "Hello, NAME!". */
    public void registerGreeting(ChicoryWapcHost host) {
        host.register(key("greeting", "hello"),
                call -> ("Hello, " + new String(call.payload(), UTF_8) + "!").getBytes(UTF_8));
    }

    /** {@code actors/call} for {@code counter}'s {@code increment}: the count of calls for that id. */
    public void registerActors(ChicoryWapcHost host) {
        host.register(key("actors", "call"), (HostCall call) -> {
            String request = new String(call.payload(), UTF_8);
            actorCalls.add(request);
            String[] parts = request.split("\n", 4);
            if (!parts[0].equals("counter") || !parts[2].equals("increment")) {
                throw new IllegalArgumentException("unknown actor type " + parts[0]);
            }
            return String.valueOf(visits.merge(parts[1], 1, Integer::sum)).getBytes(UTF_8);
        });
    }

    /** {@code timers/set|cancel} and {@code reminders/set|cancel|list}, recorded in {@link #scheduleCalls}. */
    public void registerTimersAndReminders(ChicoryWapcHost host) {
        for (String kind : List.of("timers", "reminders")) {
            Set<String> names = new ConcurrentSkipListSet<>();
            host.register(key(kind, "set"), call -> {
                String request = new String(call.payload(), UTF_8);
                scheduleCalls.add(kind + ".set " + request);
                names.add(request.substring(0, request.indexOf('\n')));
                return new byte[0];
            });
            host.register(key(kind, "cancel"),
                    call -> new byte[] {(byte) (names.remove(new String(call.payload(), UTF_8)) ? 1 : 0)});
            if (kind.equals("reminders")) {
                host.register(key(kind, "list"), call -> String.join("\n", names).getBytes(UTF_8));
            }
        }
    }

    /** The key of a built-in host function: namespace {@code kelpie}. */
    public static HostFunctionKey key(String namespace, String operation) {
        return new HostFunctionKey("kelpie", namespace, operation);
    }
}
