package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.kelpie.embedded.Kelpie;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;

/** A real embedded Kelpie (registry, waPC host, runtime, in-memory store) and the commands over it. */
abstract class ShellTestSupport {
    static final String COUNTER = "/wasm/rust/counter.wasm";
    static final String TESTBED = "/wasm/rust/testbed.wasm";
    static final String AS_TESTBED = "/wasm/assemblyscript/testbed.wasm";

    /**
     * Well-formed but invalid: the body leaves an i64 where the function type promises an i32.
     * {@code (module (func (export "f") (result i32) (i64.const 0)))}, assembled with {@code wat2wasm --no-check}.
     */
    static final byte[] WRONG_RETURN_TYPE = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
        0x03, 0x02, 0x01, 0x00,
        0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b
    };

    Kelpie kelpie;
    KelpieCommands sh;

    ShellTestSupport() {
        use(Kelpie.builder().build());
    }

    void use(Kelpie k) {
        if (kelpie != null) {
            kelpie.close();
        }
        kelpie = k;
        sh = new KelpieCommands(k.registry(), k.actors(), k.host(), k.deployer());
    }

    @AfterEach
    void closeKelpie() {
        kelpie.close();
    }

    static byte[] resource(String path) {
        try (InputStream in = ShellTestSupport.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command, prints it as a console would show it, and returns its output. */
    static String run(String commandLine, Supplier<String> command) {
        String out = command.get();
        System.out.println("g! " + commandLine + "\n" + out + "\n");
        return out;
    }

    /**
     * Runs a command that must fail with one line: a {@link CommandException} without a stack trace. Prints
     * it the way Gogo's console does and returns the message.
     */
    static String fails(String commandLine, Supplier<String> command) {
        try {
            String out = command.get();
            fail("'" + commandLine + "' should have failed but printed: " + out);
            return null;
        } catch (CommandException e) {
            System.out.println("g! " + commandLine + "\ngogo: CommandException: " + e.getMessage() + "\n");
            assertThat(e.getStackTrace()).as("stack trace of a command error").isEmpty();
            assertThat(e.getCause()).isNull();
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
            return e.getMessage();
        }
    }
}
