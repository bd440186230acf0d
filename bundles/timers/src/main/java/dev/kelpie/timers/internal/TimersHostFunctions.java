package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.timers.ActorReminders;
import dev.kelpie.timers.ActorTimers;
import dev.kelpie.timers.Reminder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The host functions of namespaces {@value #TIMERS} and {@value #REMINDERS}, for the calling actor itself. In
 * OSGi each operation is its own Declarative Services component; {@link #all} gives the same functions for
 * plain-Java embedding.
 *
 * <ul>
 *   <li>{@code timers/set}, {@code reminders/set}: payload {@code name\noperation\ndelay_ms\nperiod_ms\n}
 *       (UTF-8, the numbers decimal; period 0 for one-shot) followed by the raw payload of the message; response
 *       empty.
 *   <li>{@code timers/cancel}, {@code reminders/cancel}: payload the name; response {@code 0x01} if there was
 *       one, else {@code 0x00}.
 *   <li>{@code reminders/list}: payload ignored; response the actor's reminder names, sorted, joined by
 *       {@code \n} (empty if none).
 * </ul>
 */
public final class TimersHostFunctions {
    public static final String TIMERS = "timers";
    public static final String REMINDERS = "reminders";
    public static final String SET = "set";
    public static final String CANCEL = "cancel";
    public static final String LIST = "list";
    static final byte[] TRUE = {1};
    static final byte[] FALSE = {0};

    private TimersHostFunctions() {}

    /** Every timers and reminders function by its key (binding {@code kelpie}). */
    public static Map<HostFunctionKey, HostFunction> all(ActorTimers timers, ActorReminders reminders) {
        Map<HostFunctionKey, HostFunction> functions = new LinkedHashMap<>();
        functions.put(key(TIMERS, SET), new TimersSet(timers));
        functions.put(key(TIMERS, CANCEL), new TimersCancel(timers));
        functions.put(key(REMINDERS, SET), new RemindersSet(reminders));
        functions.put(key(REMINDERS, CANCEL), new RemindersCancel(reminders));
        functions.put(key(REMINDERS, LIST), new RemindersList(reminders));
        return functions;
    }

    static HostFunctionKey key(String namespace, String operation) {
        return new HostFunctionKey(HostFunction.DEFAULT_BINDING, namespace, operation);
    }

    // The bodies of the five components (each a DS component of its own, which only holds its reference).
    // A null service is the components' optional dynamic reference while the timers service is not running.

    /** {@code timers/set}. */
    static byte[] setTimer(ActorTimers timers, HostCall call) {
        ActorContext context = context(call, TIMERS);
        SetPayload p = parseSet(TIMERS, call.payload());
        available(timers, TIMERS).setTimer(context.self(), p.name(), p.operation(), p.delay(), p.period(), p.payload());
        return new byte[0];
    }

    /** {@code timers/cancel}. */
    static byte[] cancelTimer(ActorTimers timers, HostCall call) {
        ActorContext context = context(call, TIMERS);
        String name = name(TIMERS, CANCEL, call.payload());
        return available(timers, TIMERS).cancelTimer(context.self(), name) ? TRUE : FALSE;
    }

    /** {@code reminders/set}. */
    static byte[] setReminder(ActorReminders reminders, HostCall call) {
        ActorContext context = context(call, REMINDERS);
        SetPayload p = parseSet(REMINDERS, call.payload());
        available(reminders, REMINDERS)
                .setReminder(context.self(), p.name(), p.operation(), p.delay(), p.period(), p.payload());
        return new byte[0];
    }

    /** {@code reminders/cancel}. */
    static byte[] cancelReminder(ActorReminders reminders, HostCall call) {
        ActorContext context = context(call, REMINDERS);
        String name = name(REMINDERS, CANCEL, call.payload());
        return available(reminders, REMINDERS).cancelReminder(context.self(), name) ? TRUE : FALSE;
    }

    /** {@code reminders/list}. */
    static byte[] listReminders(ActorReminders reminders, HostCall call) {
        ActorContext context = context(call, REMINDERS);
        return available(reminders, REMINDERS).reminders(context.self()).stream().map(Reminder::name)
                .collect(Collectors.joining("\n")).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The service a host function's optional dynamic reference holds, or the one error every timers host
     * function gives while the timers bundle's service is not running.
     */
    static <T> T available(T service, String namespace) {
        if (service == null) {
            throw new IllegalStateException(namespace + " are not available: the service of bundle dev.kelpie.timers is not running");
        }
        return service;
    }

    /** The calling actor's context, or an error naming the instance when the caller is no actor. */
    static ActorContext context(HostCall call, String namespace) {
        ActorContext context = call.callerContext(ActorContext.class);
        if (context == null) {
            throw new IllegalStateException(namespace + " is only available to actors (instance '"
                    + call.instanceLabel() + "' is not an actor)");
        }
        return context;
    }

    /** A parsed {@code set} payload. */
    record SetPayload(String name, String operation, Duration delay, Duration period, byte[] payload) {}

    static SetPayload parseSet(String namespace, byte[] bytes) {
        String malformed = "bad " + namespace + ".set payload: expected name\\noperation\\ndelay_ms\\nperiod_ms\\n<payload>";
        int[] ends = new int[4];
        int from = 0;
        for (int i = 0; i < 4; i++) {
            ends[i] = indexOf(bytes, from);
            if (ends[i] < 0) {
                throw new IllegalArgumentException(malformed);
            }
            from = ends[i] + 1;
        }
        String name = utf8(bytes, 0, ends[0], malformed);
        String operation = utf8(bytes, ends[0] + 1, ends[1], malformed);
        long delay = millis(utf8(bytes, ends[1] + 1, ends[2], malformed), namespace, "delay_ms");
        long period = millis(utf8(bytes, ends[2] + 1, ends[3], malformed), namespace, "period_ms");
        return new SetPayload(name, operation, Duration.ofMillis(delay), Duration.ofMillis(period),
                Arrays.copyOfRange(bytes, ends[3] + 1, bytes.length));
    }

    static String name(String namespace, String operation, byte[] bytes) {
        return utf8(bytes, 0, bytes.length, "bad " + namespace + "." + operation + " payload: the name");
    }

    private static long millis(String text, String namespace, String field) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad " + namespace + ".set payload: " + field + " '"
                    + (t.length() > 32 ? t.substring(0, 32) + "…" : t) + "' is not a decimal count of milliseconds");
        }
        return Long.parseLong(t);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String utf8(byte[] bytes, int from, int to, String error) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(error + " (not valid UTF-8)");
        }
    }
}
