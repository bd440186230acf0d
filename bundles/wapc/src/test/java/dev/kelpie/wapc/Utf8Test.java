package dev.kelpie.wapc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Utf8Test {
    @Test
    void aCutCharacterAtTheEndIsLeftOut() {
        byte[] text = "ab🐟".getBytes(UTF_8); // 2 + 4 bytes
        for (int cut = 3; cut < 6; cut++) {
            assertThat(Utf8.prefix(Arrays.copyOf(text, cut))).isEqualTo("ab");
        }
        assertThat(Utf8.prefix(text)).isEqualTo("ab🐟");
        assertThat(Utf8.prefix("größe".getBytes(UTF_8))).isEqualTo("größe");
        assertThat(Utf8.prefix(Arrays.copyOf("gr\u00f6".getBytes(UTF_8), 3))).isEqualTo("gr");
        assertThat(Utf8.prefix(new byte[0])).isEmpty();
    }
}
