package dev.kelpie.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Instance;
import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.api.module.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Documents two behaviours of Chicory 1.7.5's {@code TableInstance.grow} that the waPC host (which builds
 * the instances, with its own TableFactory) has to work around. When Chicory fixes them these tests fail:
 * then the workaround can go.
 */
class ChicoryTableBehaviourTest {

    /**
     * {@code grow} adds the growth to the {@code TableLimits} of the parsed module's {@code Table}, which
     * every instance shares: the next instance of the module starts with the grown table (and concurrent
     * growth in two instances races on it). State leaks between actors; a host TableFactory that hands
     * each instance a copy of the Table with fresh TableLimits avoids it.
     */
    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void growthCarriesIntoTheNextInstance(ExecutionMode mode) {
        CompiledModule m = install(mode);
        Instance first = TestModules.instantiate(m, TestModules.noOpWapcImports());
        assertThat(first.table(0).size()).isEqualTo(1);
        assertThat(LoadLimitsTest.grow(first, 5)).isEqualTo(1);

        Instance second = TestModules.instantiate(m, TestModules.noOpWapcImports());

        assertThat(second.table(0).size()).as("a fresh instance's table").isEqualTo(6);
    }

    /**
     * {@code grow} computes {@code oldSize + delta} in an int: a delta near 2^31 overflows past the maximum
     * check and the guest's {@code table.grow} ends in a NegativeArraySizeException instead of answering -1
     * (a host TableInstance that checks the delta in long arithmetic first avoids it).
     */
    @ParameterizedTest
    @EnumSource(ExecutionMode.class)
    void hugeDeltaOverflows(ExecutionMode mode) {
        Instance instance = TestModules.instantiate(install(mode), TestModules.noOpWapcImports());

        assertThatThrownBy(() -> LoadLimitsTest.grow(instance, Integer.MAX_VALUE))
                .isInstanceOf(NegativeArraySizeException.class);
    }

    private static CompiledModule install(ExecutionMode mode) {
        return new ChicoryModuleRegistry(RegistrySettings.DEFAULTS.withExecutionMode(mode))
                .install("table-grow-bounded.wasm", TestModules.wat("table-grow-bounded"));
    }
}
