package dev.kelpie.extender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModuleHeaderTest {

    @Test
    void parsesTypesPathsLimitsAndNamespaces() {
        List<ModuleHeader.Entry> entries = ModuleHeader.parse("b 1.0",
                "counter;path=wasm/counter.wasm;timeout=500ms;memory=64MiB;payload=64k;mailbox=50;idle=2m;"
                        + "namespaces=\"actors, greeting\", echo;path=/wasm/testbed.wasm");

        assertThat(entries).hasSize(2);
        ModuleHeader.Entry counter = entries.get(0);
        assertThat(counter.type()).isEqualTo("counter");
        assertThat(counter.path()).isEqualTo("wasm/counter.wasm");
        assertThat(counter.limits()).isEqualTo(new ActorLimits(Duration.ofMillis(500), 64L << 20, 64 << 10, 50, Duration.ofMinutes(2)));
        assertThat(counter.namespaces()).containsExactly("actors", "greeting");
        assertThat(entries.get(1).path()).isEqualTo("wasm/testbed.wasm");
        assertThat(entries.get(1).limits()).isEqualTo(ActorLimits.DEFAULTS);
        assertThat(entries.get(1).namespaces()).isEqualTo(Set.of());
    }

    @Test
    void parsesAWasiGuestsArgumentsEnvironmentAndDirectory() {
        List<ModuleHeader.Entry> entries = ModuleHeader.parse("b 1.0",
                "files;path=a.wasm;args=\"files, --verbose\";env=\"MODE=demo,EMPTY=,EQ=a=b\";dir=files/demo;"
                        + "dir-mode=rw;dir-quota=16MiB, ro;path=a.wasm;dir=shared, none;path=a.wasm");
        GuestEnvironment files = entries.get(0).environment();
        assertThat(files.arguments()).containsExactly("files", "--verbose");
        assertThat(files.variables()).containsExactly(Map.entry("MODE", "demo"), Map.entry("EMPTY", ""), Map.entry("EQ", "a=b"));
        assertThat(files.directory()).isEqualTo("files/demo");
        assertThat(files.writable()).isTrue();
        assertThat(files.directoryQuota()).isEqualTo(16L << 20);
        assertThat(entries.get(1).environment()).isEqualTo(GuestEnvironment.NONE.withDirectory("shared", false));
        assertThat(entries.get(2).environment()).isEqualTo(GuestEnvironment.NONE);
    }

    @Test
    void wasiAttributeErrorsNameBundleTypeAndProblem() {
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;env=\"NOVALUE\""))
                .hasMessage("bundle b 1.0, Kelpie-Module type 't': WASI environment variable 'NOVALUE' is not NAME=value");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;env=\"1X=a\""))
                .hasMessageContaining("type 't': invalid WASI environment variable name '1X'");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;env=\"A=1,A=2\""))
                .hasMessageContaining("type 't': environment variable A is given twice");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;dir=../up"))
                .hasMessageContaining("type 't': invalid WASI directory '../up': it contains '..'");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;dir=d;dir-mode=wr"))
                .hasMessageContaining("type 't': dir-mode must be ro or rw, was 'wr'");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;dir-mode=rw"))
                .hasMessageContaining("type 't': dir-mode and dir-quota need dir=");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;dir=d;dir-quota=1MiB"))
                .hasMessageContaining("type 't': dir-quota needs dir-mode=rw");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "t;path=a.wasm;dir=d;dir-mode=rw;dir-quota=much"))
                .hasMessageContaining("type 't': 'much' is not a size");
    }

    @Test
    void waPcStyleNamespacesAreKeptAsWritten() {
        ModuleHeader.Entry e = ModuleHeader.parse("b 1.0",
                "t;path=a.wasm;namespaces=\"sample:namespace, wasmbus:sample/v1,actors\"").get(0);
        assertThat(e.namespaces()).containsExactly("sample:namespace", "wasmbus:sample/v1", "actors");
    }

    @Test
    void errorsNameBundleTypeAndProblem() {
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", " "))
                .hasMessage("bundle b 1.0: the Kelpie-Module header is empty");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;timeout=1s"))
                .hasMessage("bundle b 1.0, Kelpie-Module type 'counter': no path=<entry of the .wasm in the bundle>");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;path=a.wasm;timeout=soon"))
                .hasMessage("bundle b 1.0, Kelpie-Module type 'counter': 'soon' is not a duration like 500ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;path=a.wasm;memory=lots"))
                .hasMessageContaining("'lots' is not a size");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;path=a.wasm;memory=1k"))
                .hasMessageContaining("maxMemoryBytes must be at least one 64 KiB page");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;path=a.wasm;mailbox=0"))
                .hasMessageContaining("mailboxCapacity must be at least 1");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "counter;path=a.wasm;colour=blue"))
                .hasMessageContaining("unknown attribute 'colour'");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "c;path=a.wasm, c;path=b.wasm"))
                .hasMessageContaining("type 'c': declared twice");
        assertThatThrownBy(() -> ModuleHeader.parse("b 1.0", "c;path=a.wasm;payload=9g"))
                .hasMessageContaining("type 'c'");
    }

    @Test
    void unsetAttributesTakeTheGivenDefaults() {
        ActorLimits defaults = ActorLimits.DEFAULTS.withInvocationTimeout(Duration.ofSeconds(3)).withMailboxCapacity(7);
        ModuleHeader.Entry e = ModuleHeader.parse("b 1.0", "t;path=a.wasm;mailbox=9", defaults).get(0);
        assertThat(e.limits().invocationTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(e.limits().mailboxCapacity()).isEqualTo(9);
    }

    @Test
    void sizesAndDurations() {
        assertThat(dev.kelpie.api.actor.ActorLimits.parseSize("65536")).isEqualTo(65536);
        assertThat(dev.kelpie.api.actor.ActorLimits.parseSize("2 GiB")).isEqualTo(2L << 30);
        assertThat(dev.kelpie.api.actor.ActorLimits.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    }
}
