package dev.kelpie.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestPartsTest {
    @Test
    void pathSegmentsArePercentDecodedStrictly() throws Exception {
        assertThat(RequestParts.segments("/actors/counter/c1/incr%C3%A9ment")).containsExactly("actors", "counter", "c1", "incrément");
        assertThat(RequestParts.segments("//types/")).containsExactly("types");
        assertThat(RequestParts.segments("/a+b")).containsExactly("a+b");
        assertThatThrownBy(() -> RequestParts.segments("/actors/c%ZZ")).isInstanceOf(HttpError.class)
                .hasMessageContaining("malformed percent-escape at 1 of the path segment 'c%ZZ'");
        assertThatThrownBy(() -> RequestParts.segments("/actors/c%2")).isInstanceOf(HttpError.class);
        assertThatThrownBy(() -> RequestParts.segments("/actors/%C3%28")).isInstanceOf(HttpError.class)
                .hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> RequestParts.segments("/" + "a".repeat(RequestParts.MAX_URI_CHARS)))
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status()).isEqualTo(414));
    }

    @Test
    void queryParametersMustBeKnownAndGivenOnce() throws Exception {
        assertThat(RequestParts.query("timeout=5s&namespaces=actors%2Cgreeting", Set.of("timeout", "namespaces")))
                .containsEntry("timeout", "5s").containsEntry("namespaces", "actors,greeting");
        assertThat(RequestParts.query(null, Set.of())).isEmpty();
        assertThatThrownBy(() -> RequestParts.query("colour=red", Set.of("timeout"))).isInstanceOf(HttpError.class)
                .hasMessage("unknown query parameter 'colour'; known are timeout");
        assertThatThrownBy(() -> RequestParts.query("timeout=1s&timeout=2s", Set.of("timeout")))
                .isInstanceOf(HttpError.class).hasMessage("query parameter 'timeout' is given more than once");
    }
}
