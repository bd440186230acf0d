package dev.kelpie.host.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.actor.ActorContext;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorState;
import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.host.OutputLimiter;
import dev.kelpie.api.module.ExecutionMode;
import dev.kelpie.api.module.MemoryShape;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleHash;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LogHostFunctionsTest {
    record Line(String logger, Level level, String message) {}

    /** Captures lines; loggable at every level except the ones listed as off. */
    static final class Capture implements LogSink {
        final List<Line> lines = new ArrayList<>();
        final List<String> asked = new ArrayList<>();
        Set<Level> off = Set.of();

        @Override
        public boolean isLoggable(String loggerName, Level level) {
            asked.add(loggerName);
            return !off.contains(level);
        }

        @Override
        public void log(String loggerName, Level level, String message) {
            lines.add(new Line(loggerName, level, message));
        }
    }

    private static final ModuleDescriptor MODULE = new ModuleDescriptor(ModuleHash.of(new byte[32]), "greeter.wasm", 10,
            List.of(), List.of(), MemoryShape.NONE, "rust", "", ExecutionMode.INTERPRETED, 0, Instant.EPOCH);

    private final Capture capture = new Capture();
    private final Map<HostFunctionKey, HostFunction> fns = LogHostFunctions.all(capture);

    private static final ActorContext ACTOR = new ActorContext() {
        @Override
        public ActorId self() {
            return ActorId.of("greeter", "alice");
        }

        @Override
        public ActorState state() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] call(ActorId target, String operation, byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String operation() {
            return "greet";
        }
    };

    private byte[] log(String op, byte[] text, Object context) throws Exception {
        return fns.get(new HostFunctionKey("kelpie", "log", op))
                .call(new HostCall("kelpie", "log", op, text, MODULE, "demo-1", context));
    }

    @Test
    void allListsTheFourLevels() {
        assertThat(fns.keySet()).containsExactly(
                new HostFunctionKey("kelpie", "log", "debug"),
                new HostFunctionKey("kelpie", "log", "info"),
                new HostFunctionKey("kelpie", "log", "warn"),
                new HostFunctionKey("kelpie", "log", "error"));
        assertThat(LogHostFunctions.all().keySet()).isEqualTo(fns.keySet());
    }

    @Test
    void eachOperationLogsAtItsLevel() throws Exception {
        for (String op : List.of("debug", "info", "warn", "error")) {
            assertThat(log(op, ("at " + op).getBytes(UTF_8), null)).isEmpty();
        }
        assertThat(capture.lines).extracting(Line::level)
                .containsExactly(Level.DEBUG, Level.INFO, Level.WARNING, Level.ERROR);
        assertThat(capture.lines).extracting(Line::message)
                .containsExactly("[demo-1] at debug", "[demo-1] at info", "[demo-1] at warn", "[demo-1] at error");
    }

    @Test
    void aGuestThatIsNoActorLogsUnderItsModuleName() throws Exception {
        log("info", "hello".getBytes(UTF_8), null);
        assertThat(capture.lines).containsExactly(new Line("kelpie.guest.greeter.wasm", Level.INFO, "[demo-1] hello"));
    }

    @Test
    void anActorLogsUnderItsTypeWithItsId() throws Exception {
        log("warn", "größe 🐟".getBytes(UTF_8), ACTOR);
        assertThat(capture.lines).containsExactly(new Line("kelpie.actor.greeter", Level.WARNING, "[greeter:alice] größe 🐟"));
    }

    @Test
    void withoutAModuleTheLoggerIsUnknown() throws Exception {
        fns.get(new HostFunctionKey("kelpie", "log", "error"))
                .call(new HostCall("kelpie", "log", "error", "x".getBytes(UTF_8), null, "bare", null));
        assertThat(capture.lines).containsExactly(new Line("kelpie.guest.unknown", Level.ERROR, "[bare] x"));
    }

    @Test
    void anEmptyPayloadLogsAnEmptyText() throws Exception {
        log("info", new byte[0], null);
        assertThat(capture.lines).extracting(Line::message).containsExactly("[demo-1] ");
    }

    @Test
    void aDisabledLevelLogsNothing() throws Exception {
        capture.off = Set.of(Level.DEBUG);
        assertThat(log("debug", "quiet".getBytes(UTF_8), null)).isEmpty();
        assertThat(capture.lines).isEmpty();
        assertThat(capture.asked).containsExactly("kelpie.guest.greeter.wasm");
    }

    @Test
    void exactly64KiBIsLoggedWhole() throws Exception {
        byte[] text = new byte[64 * 1024];
        Arrays.fill(text, (byte) 'a');
        log("info", text, null);
        assertThat(capture.lines.get(0).message()).isEqualTo("[demo-1] " + "a".repeat(65536));
    }

    @Test
    void longerTextIsCutAndMarked() throws Exception {
        byte[] text = new byte[200_000];
        Arrays.fill(text, (byte) 'b');
        log("error", text, null);
        String message = capture.lines.get(0).message();
        assertThat(message).isEqualTo("[demo-1] " + "b".repeat(65536) + "…(truncated)");
    }

    @Test
    void theCutNeverSplitsACharacter() throws Exception {
        // 65535 ASCII bytes then a 4-byte character: the cut at 65536 would fall inside it
        byte[] fish = "🐟".getBytes(UTF_8);
        byte[] text = new byte[65535 + fish.length * 2];
        Arrays.fill(text, 0, 65535, (byte) 'c');
        System.arraycopy(fish, 0, text, 65535, fish.length);
        System.arraycopy(fish, 0, text, 65535 + fish.length, fish.length);
        log("info", text, null);
        String message = capture.lines.get(0).message();
        assertThat(message).isEqualTo("[demo-1] " + "c".repeat(65535) + "…(truncated)");
        assertThat(message).doesNotContain("\uFFFD");
    }

    @Test
    void invalidUtf8IsLoggedWithReplacementCharacters() throws Exception {
        log("info", new byte[] {'o', 'k', (byte) 0xff, '!'}, null);
        assertThat(capture.lines.get(0).message()).isEqualTo("[demo-1] ok\uFFFD!");
    }

    @Test
    void linesTheInstancesLimiterRefusesAreDropped() throws Exception {
        List<Long> asked = new ArrayList<>();
        int[] allowance = {2};
        OutputLimiter limiter = new OutputLimiter() {
            @Override
            public boolean tryEmit(long bytes) {
                asked.add(bytes);
                return allowance[0]-- > 0;
            }

            @Override
            public long droppedLines() {
                return 0;
            }
        };
        HostFunction info = fns.get(new HostFunctionKey("kelpie", "log", "info"));
        for (int i = 0; i < 4; i++) {
            assertThat(info.call(new HostCall("kelpie", "log", "info", ("line " + i).getBytes(UTF_8), MODULE, "demo-1",
                    null, limiter))).isEmpty();
        }
        assertThat(capture.lines).extracting(Line::message).containsExactly("[demo-1] line 0", "[demo-1] line 1");
        assertThat(asked).containsExactly(6L, 6L, 6L, 6L);

        info.call(new HostCall("kelpie", "log", "info", new byte[200_000], MODULE, "demo-1", null, limiter));
        assertThat(asked).as("charged for what would be logged").endsWith(65536L);
        capture.off = Set.of(Level.DEBUG);
        fns.get(new HostFunctionKey("kelpie", "log", "debug"))
                .call(new HostCall("kelpie", "log", "debug", "x".getBytes(UTF_8), MODULE, "demo-1", null, limiter));
        assertThat(asked).as("a disabled level costs nothing").hasSize(5);
    }

    @Test
    void theSystemSinkDoesNotFail() throws Exception {
        byte[] response = LogHostFunctions.all().get(new HostFunctionKey("kelpie", "log", "debug"))
                .call(new HostCall("kelpie", "log", "debug", "to System.Logger".getBytes(UTF_8), MODULE, "demo-1", null));
        assertThat(response).isEmpty();
    }
}
