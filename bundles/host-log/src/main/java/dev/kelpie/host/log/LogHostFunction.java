package dev.kelpie.host.log;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.module.ModuleDescriptor;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Logs the payload (UTF-8 text) at one level. The logger is {@code kelpie.actor.<actor type>} for an actor
 * and {@code kelpie.guest.<module name>} for any other guest; the message is {@code [<actor id or instance
 * label>] <text>}. Text over {@value LogHostFunctions#MAX_TEXT_BYTES} bytes is cut at a character boundary
 * and marked {@value LogHostFunctions#TRUNCATED}. Lines are paced by the calling instance's
 * {@link dev.kelpie.api.host.OutputLimiter} (shared with its console): a line it refuses is dropped, and the
 * waPC host counts and reports it. The response is empty.
 */
abstract class LogHostFunction implements HostFunction {
    private static final byte[] EMPTY = new byte[0];

    private final Level level;
    private final LogSink sink;

    LogHostFunction(Level level, LogSink sink) {
        this.level = level;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public byte[] call(HostCall call) {
        ActorContext actor = call.callerContext(ActorContext.class);
        String loggerName;
        String who;
        if (actor != null) {
            loggerName = "kelpie.actor." + actor.self().type();
            who = actor.self().toString();
        } else {
            ModuleDescriptor module = call.module();
            loggerName = "kelpie.guest." + (module == null ? "unknown" : module.name());
            who = call.instanceLabel();
        }
        byte[] payload = call.payload();
        if (sink.isLoggable(loggerName, level)
                && call.output().tryEmit(Math.min(payload.length, LogHostFunctions.MAX_TEXT_BYTES))) {
            sink.log(loggerName, level, "[" + who + "] " + text(payload));
        }
        return EMPTY;
    }

    /** The payload as text, cut to {@value LogHostFunctions#MAX_TEXT_BYTES} bytes without splitting a character. */
    static String text(byte[] payload) {
        int max = LogHostFunctions.MAX_TEXT_BYTES;
        if (payload.length <= max) {
            return new String(payload, StandardCharsets.UTF_8);
        }
        int end = max;
        // back off over UTF-8 continuation bytes (10xxxxxx) so the cut falls before a character's first byte
        while (end > max - 4 && (payload[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(payload, 0, end, StandardCharsets.UTF_8) + LogHostFunctions.TRUNCATED;
    }
}
