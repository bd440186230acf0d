package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** kelpie:tail: what actors and guests logged, bounded, filtered; help text on every method and parameter. */
class TailCommandTest {
    private final TailCommand tail = new TailCommand(new ActorLogBuffer(3));

    @AfterEach
    void tearDown() {
        tail.deactivate();
    }

    @Test
    void collectsActorAndGuestLinesOnlyAndKeepsTheLastOnes() {
        assertThat(tail.tail(20, null)).isEqualTo("no actor log lines yet");
        System.getLogger("kelpie.actor.counter").log(System.Logger.Level.INFO, "[counter:c1] one");
        System.getLogger("kelpie.runtime").log(System.Logger.Level.WARNING, "not an actor's");
        System.getLogger("kelpie.guest.echo.wasm").log(System.Logger.Level.INFO, "[{0} {1}] {2}", "echo.wasm@abc", "e1", "two");
        System.getLogger("kelpie.actor.counter").log(System.Logger.Level.WARNING, "[counter:c2] three\nand more");
        assertThat(tail.tail(20, null).lines())
                .hasSize(3)
                .satisfies(l -> assertThat(l.get(0)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO counter \\[counter:c1\\] one"))
                .satisfies(l -> assertThat(l.get(1)).endsWith("INFO guest echo.wasm [echo.wasm@abc e1] two"))
                .satisfies(l -> assertThat(l.get(2)).endsWith("WARNING counter [counter:c2] three and more"));
        System.getLogger("kelpie.actor.counter").log(System.Logger.Level.INFO, "[counter:c1] four");
        assertThat(tail.tail(20, null)).doesNotContain("one").contains("four");
        assertThat(tail.tail(1, null)).endsWith("[counter:c1] four");
        assertThat(tail.tail(20, "counter:c2").lines()).singleElement().asString().contains("three");
        assertThat(tail.tail(20, "nobody")).isEqualTo("no actor log lines contain 'nobody'");
        assertThatThrownBy(() -> tail.tail(0, null)).isInstanceOf(CommandException.class).hasMessage("bad line count 0: at least 1");
    }

    @Test
    void longLinesAreCut() {
        System.getLogger("kelpie.actor.big").log(System.Logger.Level.INFO, "x".repeat(10_000));
        assertThat(tail.tail(1, null).length()).isLessThan(ActorLogBuffer.MAX_LINE_CHARS + 100);
    }

    @Test
    void everyCommandAndParameterHasHelpText() {
        for (Method m : TailCommand.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())) {
                assertThat(m.getAnnotation(Descriptor.class)).as("@Descriptor of " + m).isNotNull();
                for (Parameter p : m.getParameters()) {
                    assertThat(p.getAnnotation(Descriptor.class)).as("@Descriptor of " + p + " of " + m).isNotNull();
                }
            }
        }
    }
}
