package dev.kelpie.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import org.junit.jupiter.api.Test;

class ActorIdTest {
    @Test
    void acceptsTheAllowedCharactersAndFormsText() {
        ActorId id = new ActorId("counter.v2", "user_42-A.b");
        assertThat(id.toString()).isEqualTo("counter.v2:user_42-A.b");
        assertThat(ActorId.parse("counter.v2:user_42-A.b")).isEqualTo(id);
        assertThat(id.type()).isEqualTo("counter.v2");
        assertThat(new ActorId("n".repeat(128), "i".repeat(256)).id()).hasSize(256);
    }

    @Test
    void rejectsBadIdsNamingThePartAndRule() {
        assertThatThrownBy(() -> new ActorId("", "x")).hasMessage("actor namespace must not be empty");
        assertThatThrownBy(() -> new ActorId("t", null)).hasMessage("actor id must not be empty");
        assertThatThrownBy(() -> new ActorId("n".repeat(129), "x"))
                .hasMessageStartingWith("actor namespace is 129 bytes, over the limit of 128 bytes");
        assertThatThrownBy(() -> new ActorId("t", "i".repeat(257)))
                .hasMessageStartingWith("actor id is 257 bytes, over the limit of 256 bytes");
        assertThatThrownBy(() -> new ActorId("t", "a/b"))
                .hasMessage("actor id 'a/b' has the character '/' at 1; allowed are A-Z a-z 0-9 . _ -");
        assertThatThrownBy(() -> new ActorId("t", "a:b")).hasMessageContaining("character ':'");
        assertThatThrownBy(() -> new ActorId("t", "héllo")).hasMessageContaining("character 'é'");
        assertThatThrownBy(() -> new ActorId("t", "a\nb")).hasMessageContaining("\\u000a");
        assertThatThrownBy(() -> new ActorId("t", "a b")).hasMessageContaining("character ' '");
        assertThatThrownBy(() -> ActorId.parse("no-colon")).hasMessageContaining("not of the form namespace:id");
        assertThatThrownBy(() -> ActorId.parse("a:b:c")).hasMessageContaining("character ':'");
    }
}
