package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** kelpie:complete: the candidates the interactive console completes from. */
class CompleteCommandTest extends ShellTestSupport {

    @Test
    void typesModulesActorsAndOperationsThatAnswered() {
        assertThat(sh.complete("types")).isEmpty();
        kelpie.deploy("counter", kelpie.load("counter.wasm", resource(COUNTER)));
        kelpie.deploy("echoer", kelpie.load("testbed.wasm", resource(TESTBED)));
        assertThat(sh.complete("types")).isEqualTo("counter\nechoer");
        assertThat(sh.complete("modules")).isEqualTo("counter.wasm\ntestbed.wasm");
        assertThat(sh.complete("operations", "counter")).isEmpty();

        sh.invoke("counter", "c1", "increment");
        sh.invoke("counter", "c2", "get");
        fails("kelpie:invoke counter c1 nope", () -> sh.invoke("counter", "c1", "nope"));
        assertThat(sh.complete("operations", "counter")).isEqualTo("get\nincrement");
        assertThat(sh.complete("actors")).isEqualTo("counter:c1\ncounter:c2");
        assertThat(sh.complete("actors", "counter")).isEqualTo("c1\nc2");
        assertThat(fails("kelpie:complete x", () -> sh.complete("x")))
                .isEqualTo("complete: unknown kind 'x' (types, modules, actors, operations)");
    }
}
