package dev.kelpie.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built features file ({@code target/feature/features.xml}) against the reactor: every version filled
 * in, and every Kelpie bundle of {@code bundles/} in some feature, so a new bundle cannot be left out of
 * Karaf unnoticed.
 */
class FeaturesFileTest {

    private static final Path BUILT = Path.of("target/feature/features.xml");
    private static final Path BUNDLES = Path.of("../bundles");

    @Test
    void everyPlaceholderIsFilledInExceptKarafsOwn() throws IOException {
        String xml = Files.readString(BUILT);
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(xml);
        while (m.find()) {
            assertThat(m.group(1)).as("placeholder left unfilled in " + BUILT).isEqualTo("karaf.data");
        }
        assertThat(xml).doesNotContain("mvn:dev.kelpie/kelpie-api/${");
    }

    @Test
    void everyKelpieBundleOfTheReactorIsInAFeature() throws IOException {
        String xml = Files.readString(BUILT);
        List<String> missing;
        try (Stream<Path> dirs = Files.list(BUNDLES)) {
            missing = dirs.filter(d -> Files.exists(d.resolve("bnd.bnd")))
                    .map(d -> "kelpie-" + d.getFileName())
                    .filter(artifact -> !xml.contains("mvn:dev.kelpie/" + artifact + "/"))
                    .sorted()
                    .toList();
        }
        assertThat(missing).as("bundles/* not named by any feature of features.xml").isEmpty();
    }
}
