package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.host.HostFunctionKey;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The example module bundles, one per guest language ({@code kelpie-module-examples-<language>.jar} with the
 * actor types {@code echo-<language>}, {@code counter-<language>}, {@code greeter-<language>}), installed
 * beside the tour's {@code counter} bundle and the greeting host-function bundle: every language's echo,
 * counter and greeter answer alike. A language is one line of {@link #LANGUAGES} and its jar's system property
 * {@code kelpie.itests.examples.<language>.jar} (itests/pom.xml).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExampleModulesIT extends KelpieTestSupport {
    static final List<String> LANGUAGES = List.of(
            "rust",
            "assemblyscript",
            "c",
            "go",
            "tinygo",
            "python");

    static String examplesJar(String language) {
        return "kelpie.itests.examples." + language + ".jar";
    }

    @Test
    public void everyLanguagesExamplesAnswerAlike() throws Exception {
        installAndStart(GREETING_JAR);
        installAndStart(COUNTER_JAR); // the greeters count visitors on actor type `counter`
        for (String language : LANGUAGES) {
            installAndStart(examplesJar(language));
        }
        await("kelpie/greeting/hello registered",
                () -> wapcHost.hostFunctions().contains(new HostFunctionKey("kelpie", "greeting", "hello")));
        for (String language : LANGUAGES) {
            for (String example : List.of("echo", "counter", "greeter")) {
                String type = example + "-" + language;
                await("actor type " + type + " deployed", () -> typeDeployed(type));
            }
        }

        for (String language : LANGUAGES) {
            String echo = "echo-" + language, counter = "counter-" + language, greeter = "greeter-" + language;
            assertEquals(echo, "héllo " + language, call(echo, "e", "echo", "héllo " + language));

            assertEquals(counter, "0", call(counter, "c", "get", ""));
            assertEquals(counter, "1", call(counter, "c", "increment", ""));
            assertEquals(counter, "42", call(counter, "c", "increment", "41"));
            assertEquals(counter, "42", call(counter, "c", "get", ""));
            String bad = callFails(counter, "c", "increment", "4x").getMessage();
            assertTrue(counter + ": " + bad, bad.contains("bad amount: 4x"));
            assertEquals(counter, "0", call(counter, "c", "reset", ""));

            // every greeter counts on the same `counter` actor of its visitor: a name per language
            String visitor = "Ada-" + language;
            String first = call(greeter, "g", "greet_counted", visitor);
            assertTrue(greeter + ": " + first,
                    first.startsWith("Hello, " + visitor + "!") && first.endsWith(" Visitor number 1."));
            String second = call(greeter, "g", "greet_counted", visitor);
            assertTrue(greeter + ": " + second, second.endsWith(" Visitor number 2."));
            assertEquals(greeter, "2", call("counter", visitor, "get", ""));
        }
    }
}
