package dev.kelpie.cluster.modules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The encoded entries of kelpie.modules: round trip, and what a corrupt or oversized entry gets. */
class ModuleEntryTest {
    final byte[] bytes = {0, 'a', 's', 'm', 1, 0, 0, 0};
    final ModuleHash hash = ModuleHash.sha256(bytes);
    final ActorLimits limits = ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(3));

    @Test
    void roundTripsADeploymentAndATombstone() {
        GuestEnvironment env = new GuestEnvironment(List.of("a", "b"), Map.of("K", "v"), "dir", true, 4096);
        ModuleEntry e = ModuleEntry.deployed("t", 3, "127.0.0.1:5701", hash, "m.wasm", bytes, limits, Set.of("x", "y"), env);
        ModuleEntry back = ModuleEntry.decode("t", e.encode(), 1024);
        assertThat(back.version()).isEqualTo(3);
        assertThat(back.origin()).isEqualTo("127.0.0.1:5701");
        assertThat(back.module()).isEqualTo(hash);
        assertThat(back.bytes()).isEqualTo(bytes);
        assertThat(back.limits()).isEqualTo(limits);
        assertThat(back.hostNamespaces()).containsExactlyInAnyOrder("x", "y");
        assertThat(back.environment()).isEqualTo(env);
        assertThat(back.label()).isEqualTo("m.wasm@" + hash.shortHex());
        assertThat(back.describes(ActorType.wasm("t", hash, limits).withHostNamespaces(Set.of("y", "x")))).isTrue();
        assertThat(back.describes(ActorType.wasm("t", hash, ActorLimits.DEFAULTS).withHostNamespaces(Set.of("x", "y"))))
                .isFalse();
        assertThat(back.describes(null)).isFalse();

        ModuleEntry gone = ModuleEntry.decode("t", ModuleEntry.removed("t", 4, "m").encode(), 1024);
        assertThat(gone.isTombstone()).isTrue();
        assertThat(gone.describes(null)).isTrue();
        assertThat(gone.describes(ActorType.wasm("t", hash))).isFalse();
    }

    @Test
    void refusesAModuleOverTheSizeCapAnEntryUnderAnotherKeyAndHugeCounts() throws IOException {
        byte[] encoded = ModuleEntry.deployed("t", 1, "m", hash, "m.wasm", bytes, limits, Set.of(), null).encode();
        assertThatThrownBy(() -> ModuleEntry.decode("t", encoded, bytes.length - 1))
                .hasMessageContaining("entry 't' of kelpie.modules carries a module of 8 bytes, over this member's size cap of 7");
        assertThatThrownBy(() -> ModuleEntry.decode("u", encoded, 1024)).hasMessageContaining("is for type 't'");
        assertThatThrownBy(() -> ModuleEntry.decode("t", new byte[] {9}, 1024)).hasMessageContaining("has format 9");
        assertThatThrownBy(() -> ModuleEntry.decode("t", java.util.Arrays.copyOf(encoded, encoded.length - 3), 1024))
                .hasMessageContaining("truncated");

        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(1);
            out.writeUTF("t");
            out.writeLong(1);
            out.writeUTF("m");
            out.writeBoolean(false);
            out.writeUTF(hash.hex());
            out.writeUTF("m.wasm");
            out.writeLong(1000);
            out.writeLong(1 << 20);
            out.writeInt(1024);
            out.writeInt(10);
            out.writeLong(1000);
            out.writeInt(Integer.MAX_VALUE); // namespaces: refused before a list of that size is made
        }
        assertThatThrownBy(() -> ModuleEntry.decode("t", buffer.toByteArray(), 1024))
                .hasMessageContaining("has 2147483647 strings, more than 1024");
    }
}
