package dev.kelpie.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The DS descriptor bnd wrote, and the commands driven through a real Gogo command processor. */
class GogoCommandsTest extends ShellTestSupport {

    @Test
    void componentDescriptorRegistersEveryCommandInScopeKelpie() throws Exception {
        Path xml = Path.of("target/classes/OSGI-INF/dev.kelpie.shell.KelpieCommands.xml");
        assertThat(xml).as("written by bnd-maven-plugin in process-classes").exists();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        String scope = null;
        List<String> functions = new ArrayList<>();
        NodeList properties = doc.getElementsByTagName("property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element p = (Element) properties.item(i);
            if (p.getAttribute("name").equals("osgi.command.scope")) {
                scope = p.getAttribute("value");
            } else if (p.getAttribute("name").equals("osgi.command.function")) {
                Arrays.stream(p.getTextContent().split("\n")).map(String::trim).filter(s -> !s.isEmpty()).forEach(functions::add);
            }
        }
        assertThat(scope).isEqualTo("kelpie");
        assertThat(functions).containsExactlyElementsOf(KelpieCommands.FUNCTIONS);
        // immediate: created once and kept, not created for each command Gogo runs and dropped after it
        // (SCR's lot for a delayed component that nobody holds between uses)
        assertThat(doc.getDocumentElement().getAttribute("immediate")).isEqualTo("true");
        List<String> references = new ArrayList<>();
        NodeList refs = doc.getElementsByTagName("reference");
        for (int i = 0; i < refs.getLength(); i++) {
            Element r = (Element) refs.item(i);
            if (r.getAttribute("interface").equals("dev.kelpie.api.cluster.ClusterView")) {
                // the one optional reference: the member column of kelpie:actors when the cluster is on
                assertThat(r.getAttribute("cardinality")).isEqualTo("0..1");
                assertThat(r.getAttribute("policy")).isEqualTo("dynamic");
                continue;
            }
            assertThat(r.getAttribute("cardinality")).isIn("", "1..1");
            assertThat(r.getAttribute("policy")).isIn("", "static");
            references.add(r.getAttribute("interface"));
        }
        assertThat(references).containsExactly("dev.kelpie.api.module.ModuleRegistry", "dev.kelpie.api.actor.ActorRuntime",
                "dev.kelpie.api.wapc.WapcHost", "dev.kelpie.api.deploy.ModuleDeployer");

        // every function is a public method returning the text to print, with help text for Gogo's help
        Set<String> publicMethods = Arrays.stream(KelpieCommands.class.getMethods())
                .filter(m -> m.getDeclaringClass() == KelpieCommands.class && !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toSet());
        assertThat(publicMethods).containsExactlyInAnyOrderElementsOf(functions);
        for (Method m : KelpieCommands.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())) {
                assertThat(m.getReturnType()).isEqualTo(String.class);
                assertThat(m.getAnnotation(Descriptor.class)).as("@Descriptor of " + m).isNotNull();
            }
        }
    }

    @Test
    void gogoRunsTheCommandsWithShellArguments() throws Exception {
        ThreadIOImpl threadIO = new ThreadIOImpl();
        threadIO.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(threadIO);
        try {
            for (String function : KelpieCommands.FUNCTIONS) {
                processor.addCommand("kelpie", sh, function);
            }
            Path dir = Files.createTempDirectory("kelpie-shell");
            Path counter = dir.resolve("counter.wasm");
            Files.write(counter, resource(COUNTER));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
                assertThat(gogo(session, "kelpie:install " + counter.toUri())).asString().startsWith("installed counter: counter.wasm sha256 ");
                assertThat(gogo(session, "kelpie:invoke counter c1 increment 5")).isEqualTo("5");
                assertThat(gogo(session, "invoke counter c1 increment")).isEqualTo("6");
                assertThat(gogo(session, "kelpie:invoke counter c1 get ''")).isEqualTo("6");
                assertThat(gogo(session, "kelpie:actors")).asString().contains("counter:c1");
                assertThat(gogo(session, "kelpie:adapters")).isEqualTo("ADAPTER         SUPPLIES\n"
                + "assemblyscript  env.abort env.trace env.seed\n"
                + "go              kelpie_go.next_call wasi_snapshot_preview1.* wasi_unstable.*\n"
                + "python          env.* wasi_snapshot_preview1.*\n"
                + "tinygo          wasi_snapshot_preview1.* wasi_unstable.*\n"
                + "wasi            wasi_snapshot_preview1.* wasi_unstable.*");
                assertThat(gogo(session, "kelpie:deactivate counter c1")).isEqualTo("deactivated counter:c1");

                // limits as options (before or after the arguments), a waPC-style host namespace
                assertThat(gogo(session, "kelpie:install --timeout 5s --memory 64MiB --mailbox 100 --payload 64KiB --idle 2m "
                        + counter.toUri() + " limited sample:namespace,actors")).asString().startsWith("installed limited: ");
                assertThat(kelpie.actors().type("limited").orElseThrow().limits()).isEqualTo(new dev.kelpie.api.actor.ActorLimits(
                        java.time.Duration.ofSeconds(5), 64L << 20, 64 << 10, 100, java.time.Duration.ofMinutes(2)));
                assertThat(kelpie.actors().type("limited").orElseThrow().hostNamespaces()).contains("sample:namespace");
                assertThat(gogo(session, "kelpie:install " + counter.toUri() + " later --mailbox 3")).asString().startsWith("installed later: ");
                assertThat(kelpie.actors().type("later").orElseThrow().limits().mailboxCapacity()).isEqualTo(3);
                assertThat(gogo(session, "kelpie:install --mailbox 4 " + counter.toUri())).asString().startsWith("installed counter: ");
                assertThat(kelpie.actors().type("counter").orElseThrow().limits().mailboxCapacity()).isEqualTo(4);
                assertThat(catchThrowable(() -> session.execute("kelpie:install --idle forever " + counter.toUri() + " x")))
                        .isInstanceOf(CommandException.class).hasMessageStartingWith("invalid --idle forever: ");

                Throwable failure = catchThrowable(() -> session.execute("kelpie:invoke nope x op"));
                assertThat(failure).isInstanceOf(CommandException.class)
                        .hasMessageStartingWith("unknown type: actor nope:x, operation 'op': no actor type 'nope' is deployed");
                // what Gogo's console prints for a failed command: one line
                System.out.println("g! kelpie:invoke nope x op\ngogo: " + failure.getClass().getSimpleName() + ": " + failure.getMessage() + "\n");

                assertThat(gogo(session, "kelpie:uninstall counter")).asString().startsWith("uninstalled counter (0 actors passivated)");
            } finally {
                Files.deleteIfExists(counter);
                Files.deleteIfExists(dir);
            }
        } finally {
            processor.stop();
            threadIO.stop();
        }
    }

    private static Object gogo(CommandSession session, String line) throws Exception {
        Object result = session.execute(line);
        System.out.println("g! " + line + " (through Gogo)\n" + result + "\n");
        return result;
    }
}
