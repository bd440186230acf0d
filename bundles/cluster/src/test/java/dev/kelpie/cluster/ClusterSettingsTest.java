package dev.kelpie.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
    private final ClusterSettings d = ClusterSettings.DEFAULTS;

    @Test
    void defaultsAreOneLoopbackMember() {
        assertThat(d.address()).isEqualTo("127.0.0.1:5701");
        assertThat(d.members()).containsExactly("127.0.0.1:5701");
        assertThat(ClusterSettings.parseMembers(" 127.0.0.1:5701, ,10.0.0.2:5702 ")).containsExactly("127.0.0.1:5701",
                "10.0.0.2:5702");
    }

    @Test
    void badValuesNameTheirAttribute() {
        assertThatThrownBy(() -> d.withAddress("127.0.0.1", 0)).hasMessageContaining("port = '0'");
        assertThatThrownBy(() -> d.withAddress("127.0.0.1", 70000)).hasMessageContaining("port = '70000'");
        assertThatThrownBy(() -> d.withMembers(List.of("127.0.0.1"))).hasMessageContaining("members = '127.0.0.1'")
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> d.withMembers(List.of("127.0.0.1:x"))).hasMessageContaining("members = '127.0.0.1:x'");
        assertThatThrownBy(() -> d.withMembers(List.of("127.0.0.1:0"))).hasMessageContaining("members = '127.0.0.1:0'");
        assertThatThrownBy(() -> d.withMembers(List.of())).hasMessageContaining("members");
        assertThatThrownBy(() -> d.withName("a b")).hasMessageContaining("name = 'a b'");
        assertThatThrownBy(() -> d.withAddress(" ", 5701)).hasMessageContaining("host");
        assertThatThrownBy(() -> d.withCallTimeout(Duration.ofMillis(-1))).hasMessageContaining("call_timeout_ms");
        assertThatThrownBy(() -> d.withCalls(0, 10, 3)).hasMessageContaining("call_threads");
        assertThatThrownBy(() -> d.withCalls(4, 0, 3)).hasMessageContaining("call_queue_capacity");
        assertThatThrownBy(() -> d.withCalls(4, 10, -1)).hasMessageContaining("max_moves");
        assertThatThrownBy(() -> d.withTimeouts(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ZERO))
                .hasMessageContaining("start_timeout_seconds");
    }

    @Test
    void aNonLoopbackHostNeedsTheMembersListed() {
        assertThatThrownBy(() -> d.withAddress("10.1.2.3", 5701)).hasMessageContaining("host '10.1.2.3' is not a loopback")
                .hasMessageContaining("members");
        assertThat(d.withMembers(List.of("10.1.2.3:5701", "10.1.2.4:5701")).withAddress("10.1.2.3", 5701).members())
                .hasSize(2);
    }
}
