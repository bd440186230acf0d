package dev.kelpie.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kelpie.api.state.StateStore;
import org.junit.jupiter.api.Test;

class InMemoryStateStoreTest extends StateStoreContractTest {
    @Override
    StateStore newStore() {
        return new InMemoryStateStore();
    }

    @Test
    void describesItselfAsNotDurable() {
        assertThat(store.describe()).startsWith("memory").contains("not durable");
    }
}
