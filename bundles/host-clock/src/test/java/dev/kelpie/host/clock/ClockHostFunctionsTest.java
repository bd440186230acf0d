package dev.kelpie.host.clock;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.host.HostCall;
import dev.kelpie.api.host.HostFunction;
import dev.kelpie.api.host.HostFunctionKey;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClockHostFunctionsTest {
    private final Map<HostFunctionKey, HostFunction> fns = ClockHostFunctions.all();

    private byte[] call(String ns, String op, byte[] payload) throws Exception {
        return call(fns.get(new HostFunctionKey("kelpie", ns, op)), ns, op, payload);
    }

    private static byte[] call(HostFunction fn, String ns, String op, byte[] payload) throws Exception {
        return fn.call(new HostCall("kelpie", ns, op, payload, null, "demo", null));
    }

    private static long decimal(byte[] response) {
        String text = new String(response, US_ASCII);
        assertThat(text).matches("-?[0-9]+");
        return Long.parseLong(text);
    }

    @Test
    void allListsClockAndRandomOperations() {
        assertThat(fns.keySet()).containsExactly(
                new HostFunctionKey("kelpie", "clock", "now_millis"),
                new HostFunctionKey("kelpie", "clock", "monotonic_nanos"),
                new HostFunctionKey("kelpie", "random", "bytes"),
                new HostFunctionKey("kelpie", "random", "u64"));
        assertThat(ClockHostFunctions.clock()).hasSize(2);
        assertThat(ClockHostFunctions.random()).hasSize(2);
    }

    @Test
    void nowMillisIsTheWallClockInDecimal() throws Exception {
        long before = System.currentTimeMillis();
        long now = decimal(call("clock", "now_millis", "ignored".getBytes(UTF_8)));
        long after = System.currentTimeMillis();
        assertThat(now).isBetween(before, after);
    }

    @Test
    void clocksFormatTheirSourceExactly() throws Exception {
        assertThat(call(new ClockNowMillis(() -> 1_700_000_000_123L), "clock", "now_millis", new byte[0]))
                .isEqualTo("1700000000123".getBytes(US_ASCII));
        assertThat(call(new ClockMonotonicNanos(() -> -42L), "clock", "monotonic_nanos", new byte[0]))
                .isEqualTo("-42".getBytes(US_ASCII));
        assertThat(call(new ClockNowMillis(() -> 0L), "clock", "now_millis", new byte[0])).isEqualTo("0".getBytes(US_ASCII));
    }

    @Test
    void monotonicNanosIsNanoTimeAndNeverGoesBack() throws Exception {
        long before = System.nanoTime();
        long first = decimal(call("clock", "monotonic_nanos", new byte[0]));
        long second = decimal(call("clock", "monotonic_nanos", new byte[] {1, 2, 3}));
        long after = System.nanoTime();
        assertThat(first - before).isGreaterThanOrEqualTo(0);
        assertThat(second - first).isGreaterThanOrEqualTo(0);
        assertThat(after - second).isGreaterThanOrEqualTo(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "2", "16", "1000", "65535", "65536", " 32\n", "0008"})
    void randomBytesGivesExactlyN(String n) throws Exception {
        assertThat(call("random", "bytes", n.getBytes(US_ASCII))).hasSize(Integer.parseInt(n.strip()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "65537", "-1", "+5", "abc", "1.5", "12 34", "99999999999999999999", "0x10", "\n"})
    void randomBytesRejectsBadSizes(String n) {
        assertThatThrownBy(() -> call("random", "bytes", n.getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bad random.bytes size: ")
                .hasMessageEndingWith("(expected a decimal count from 1 to 65536)");
    }

    @Test
    void randomBytesErrorQuotesTheSizeAndCutsLongOnes() {
        assertThatThrownBy(() -> call("random", "bytes", "70000".getBytes(UTF_8)))
                .hasMessage("bad random.bytes size: '70000' (expected a decimal count from 1 to 65536)");
        assertThatThrownBy(() -> call("random", "bytes", "x".repeat(10_000).getBytes(UTF_8)))
                .hasMessage("bad random.bytes size: '" + "x".repeat(32) + "...' (expected a decimal count from 1 to 65536)");
    }

    @Test
    void randomBytesAreNotConstant() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            seen.add(java.util.HexFormat.of().formatHex(call("random", "bytes", "16".getBytes(US_ASCII))));
        }
        assertThat(seen).hasSize(8);
        // 64 KiB of secure random bytes use every byte value
        byte[] big = call("random", "bytes", "65536".getBytes(US_ASCII));
        boolean[] used = new boolean[256];
        for (byte b : big) {
            used[b & 0xFF] = true;
        }
        for (boolean u : used) {
            assertThat(u).isTrue();
        }
    }

    @Test
    void randomBytesDrawsFromItsGenerator() throws Exception {
        byte[] expected = new byte[5];
        new Random(7).nextBytes(expected);
        assertThat(call(new RandomBytes(new Random(7)), "random", "bytes", "5".getBytes(US_ASCII))).isEqualTo(expected);
    }

    @Test
    void u64IsEightLittleEndianBytes() throws Exception {
        Random fixed = new Random() {
            @Override
            public long nextLong() {
                return 0x0102030405060708L;
            }
        };
        assertThat(call(new RandomU64(fixed), "random", "u64", new byte[0]))
                .containsExactly(0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01);
        Random minusOne = new Random() {
            @Override
            public long nextLong() {
                return -1L;
            }
        };
        assertThat(call(new RandomU64(minusOne), "random", "u64", "ignored".getBytes(UTF_8)))
                .containsExactly(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    }

    @Test
    void u64FromTheSecureRandomVaries() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            byte[] value = call("random", "u64", new byte[0]);
            assertThat(value).hasSize(8);
            seen.add(java.util.HexFormat.of().formatHex(value));
        }
        assertThat(seen).hasSize(8);
    }
}
