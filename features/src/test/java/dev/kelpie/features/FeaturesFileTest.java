package dev.kelpie.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built features file ({@code target/feature/features.xml}) against the build: every version filled
 * in, and every Kelpie bundle the distribution runs ({@code -runbundles} of {@code bndrun/kelpie.bndrun})
 * named by some feature, so a bundle added to the distribution cannot be left out of Karaf unnoticed.
 */
class FeaturesFileTest {

    private static final Path BUILT = Path.of("target/feature/features.xml");
    private static final Path BUNDLES = Path.of("../bundles");
    private static final Path BNDRUN = Path.of("../bndrun/kelpie.bndrun");

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
    void everyKelpieBundleTheDistributionRunsIsInAFeature() throws IOException {
        String xml = Files.readString(BUILT);
        // Bundle-SymbolicName of each bundles/<dir>/bnd.bnd -> its artifact kelpie-<dir>
        Map<String, String> artifactOf = new HashMap<>();
        try (Stream<Path> dirs = Files.list(BUNDLES)) {
            for (Path dir : dirs.filter(d -> Files.exists(d.resolve("bnd.bnd"))).toList()) {
                Matcher bsn = Pattern.compile("(?m)^Bundle-SymbolicName:\\s*(\\S+)")
                        .matcher(Files.readString(dir.resolve("bnd.bnd")));
                if (bsn.find()) {
                    artifactOf.put(bsn.group(1), "kelpie-" + dir.getFileName());
                }
            }
        }
        Matcher run = Pattern.compile("(?m)^\\s*(dev\\.kelpie\\.[\\w.]+);version=").matcher(Files.readString(BNDRUN));
        List<String> runBundles = new ArrayList<>();
        while (run.find()) {
            runBundles.add(run.group(1));
        }
        assertThat(runBundles).as("Kelpie bundles in -runbundles of " + BNDRUN).isNotEmpty();
        List<String> missing = runBundles.stream()
                .map(bsn -> artifactOf.getOrDefault(bsn, bsn + " (no bundles/*/bnd.bnd names it)"))
                .filter(artifact -> !xml.contains("mvn:dev.kelpie/" + artifact + "/"))
                .sorted()
                .toList();
        assertThat(missing).as("bundles the distribution runs but no feature of features.xml names").isEmpty();
    }
}
