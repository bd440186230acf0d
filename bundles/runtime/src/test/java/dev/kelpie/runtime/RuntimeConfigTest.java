package dev.kelpie.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.store.InMemoryStateStore;
import dev.kelpie.wapc.ChicoryWapcHost;
import dev.kelpie.wapc.WapcSettings;
import java.lang.annotation.Annotation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ConfigAdmin configuration of the runtime reaches its settings, default limits included. */
class RuntimeConfigTest {

    @Test
    void configuredDefaultLimitsAreWhatTypesWithoutLimitsGet() {
        KelpieActorRuntime.Config config = new KelpieActorRuntime.Config() {
            @Override public Class<? extends Annotation> annotationType() { return KelpieActorRuntime.Config.class; }
            @Override public int workers() { return 1; }
            @Override public int max__active__actors() { return 10; }
            @Override public int shutdown__grace__seconds() { return 1; }
            @Override public long default__invocation__timeout__ms() { return 1500; }
            @Override public long default__idle__timeout__seconds() { return 60; }
            @Override public long default__max__memory__bytes() { return 8L << 20; }
            @Override public int default__max__payload__bytes() { return 4096; }
            @Override public int default__mailbox__capacity() { return 50; }
            @Override public long max__total__memory__bytes() { return 64L << 20; }
            @Override public long max__turn__write__bytes() { return 1000; }
            @Override public int call__wait__allowance__seconds() { return 7; }
            @Override public int caller__run__turns() { return 3; }
        };
        try (KelpieActorRuntime runtime = new KelpieActorRuntime(RuntimeFixture.REGISTRY,
                new ChicoryWapcHost(WapcSettings.DEFAULTS), new InMemoryStateStore(), config)) {
            assertThat(runtime.defaultLimits())
                    .isEqualTo(new ActorLimits(Duration.ofMillis(1500), 8L << 20, 4096, 50, Duration.ofSeconds(60)));
            assertThat(runtime.settings().maxTotalMemoryBytes()).isEqualTo(64L << 20);
            assertThat(runtime.memoryBudget().limit()).isEqualTo(64L << 20);
            assertThat(runtime.settings().maxTurnWriteBytes()).isEqualTo(1000);
            assertThat(runtime.settings().callWaitAllowance()).isEqualTo(Duration.ofSeconds(7));
            assertThat(runtime.settings().callerRunSlots()).isEqualTo(3);
        }
        assertThat(RuntimeSettings.DEFAULTS.maxTotalMemoryBytes())
                .isEqualTo(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 2));
        assertThat(RuntimeSettings.DEFAULTS.maxTurnWriteBytes()).isEqualTo(16L << 20);
        assertThatThrownBy(() -> RuntimeSettings.DEFAULTS.withDefaultLimits(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defaultLimits");
        assertThat(RuntimeSettings.DEFAULTS.defaultLimits()).isEqualTo(ActorLimits.DEFAULTS);
        assertThat(RuntimeSettings.DEFAULTS.withWorkers(5).callerRunSlots()).as("-1: as many as workers").isEqualTo(5);
        assertThatThrownBy(() -> RuntimeSettings.DEFAULTS.withCallerRunTurns(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callerRunTurns");
    }
}
