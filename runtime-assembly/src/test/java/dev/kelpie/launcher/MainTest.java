package dev.kelpie.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    /** A bundle with a symbolic name and, for a fragment, a Fragment-Host header. */
    private static Bundle bundle(String bsn, boolean fragment) {
        Hashtable<String, String> headers = new Hashtable<>();
        if (fragment) {
            headers.put(Constants.FRAGMENT_HOST, "host");
        }
        return (Bundle) java.lang.reflect.Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getSymbolicName" -> bsn;
                    case "getHeaders" -> headers;
                    case "toString" -> bsn;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void scrStartsRightAfterFileInstallAndTheWebPartIsNotOnThePathToReady() {
        List<Bundle> installed = List.of(bundle("dev.kelpie.runtime", false), bundle("org.apache.felix.scr", false),
                bundle("org.apache.felix.http.jetty12", false), bundle("org.apache.felix.fileinstall", false),
                bundle("a.fragment", true), bundle("org.apache.felix.configadmin", false),
                bundle("slf4j.jdk14", false), bundle("org.apache.aries.spifly.dynamic.bundle", false));
        assertThat(Main.startOrder(installed)).extracting(Bundle::getSymbolicName).containsExactly(
                "org.apache.aries.spifly.dynamic.bundle", "slf4j.jdk14", "org.apache.felix.configadmin",
                "org.apache.felix.fileinstall", "org.apache.felix.scr", "dev.kelpie.runtime",
                "org.apache.felix.http.jetty12");
        assertThat(Main.START_ALONGSIDE).contains("org.apache.felix.http.jetty12", "org.apache.felix.webconsole")
                .doesNotContainAnyElementsOf(Main.START_FIRST).doesNotContain("dev.kelpie.runtime", "dev.kelpie.shell",
                        "org.apache.felix.gogo.runtime", "org.apache.felix.gogo.shell");
    }

    @Test
    void theConsoleGreetsWithTheMotdOfTheHomeAndWithNothingWithoutOne() throws IOException {
        Main main = new Main(new Main.Options(null, false), dir, 0);
        java.io.StringWriter none = new java.io.StringWriter();
        main.welcome(new java.io.PrintWriter(none));
        assertThat(none.toString()).isEmpty();
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/motd"), "Kelpie: commands at a glance\n\n");
        java.io.StringWriter greeted = new java.io.StringWriter();
        main.welcome(new java.io.PrintWriter(greeted));
        assertThat(greeted.toString()).isEqualTo("Kelpie: commands at a glance" + System.lineSeparator());
    }

    @Test
    void execCommandsSplitAtSemicolonsOutsideQuotesAndBlocks() {
        assertThat(Main.split("kelpie:modules; kelpie:invoke counter c1 increment;;  "))
                .containsExactly("kelpie:modules", "kelpie:invoke counter c1 increment");
        assertThat(Main.split("invoke t a echo 'x;y'; invoke t a echo \"p;q\"; invoke t a echo $'a\\';b'"))
                .containsExactly("invoke t a echo 'x;y'", "invoke t a echo \"p;q\"", "invoke t a echo $'a\\';b'");
        assertThat(Main.split("each [1 2] { echo $it; echo x }; lb"))
                .containsExactly("each [1 2] { echo $it; echo x }", "lb");
        assertThat(Main.split("echo a\\;b; lb")).containsExactly("echo a\\;b", "lb");
    }

    @Test
    void moduleTypesAreReadFromTheKelpieModuleHeadersOfTheDeployedJars() throws IOException {
        jar("a.jar", "counter;path=wasm/counter.wasm;timeout=30s;namespaces=\"actors,x\"");
        jar("b.jar", "testbed;path=wasm/testbed.wasm;namespaces=\"greeting\", testbed-as;path=wasm/as.wasm");
        jar("plain.jar", null);
        Files.writeString(dir.resolve("broken.jar"), "not a jar");

        assertThat(Main.moduleTypes(dir)).containsExactlyInAnyOrder("counter", "testbed", "testbed-as");
        assertThat(Main.moduleTypes(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void theRuntimeUsesTheClusteredStoreOnlyWhenTheClusterIsEnabled() throws IOException {
        Path cfg = dir.resolve("dev.kelpie.cluster.cfg");
        assertThat(Main.storeTarget(cfg)).isEqualTo("(kelpie.store.name=mvstore)"); // no file
        Files.writeString(cfg, "# cluster\nenabled = false\nport = 5701\n");
        assertThat(Main.storeTarget(cfg)).isEqualTo("(kelpie.store.name=mvstore)");
        Files.writeString(cfg, "enabled = true \nport = 5701\n");
        assertThat(Main.storeTarget(cfg)).isEqualTo("(kelpie.store.name=cluster)");
        Files.writeString(cfg, "enabled = TRUE\n");
        assertThat(Main.storeTarget(cfg)).isEqualTo("(kelpie.store.name=cluster)");
    }

    @Test
    void failuresAreOneLineMessages() {
        assertThat(Main.oneLine(new InvocationTargetException(new IllegalStateException("no\n  such\r\nthing  "))))
                .isEqualTo("no such thing");
        assertThat(Main.oneLine(new RuntimeException(new IOException("disk full")))).isEqualTo("disk full");
        assertThat(Main.oneLine(new NullPointerException())).isEqualTo("NullPointerException");
    }

    @Test
    void options() {
        assertThat(Main.Options.parse(new String[0])).isEqualTo(new Main.Options(null, false));
        assertThat(Main.Options.parse(new String[] {"--exec", "lb; kelpie:types"}).exec()).isEqualTo("lb; kelpie:types");
        assertThat(Main.Options.parse(new String[] {"-e", "lb"}).exec()).isEqualTo("lb");
        assertThat(Main.Options.parse(new String[] {"--exec=lb"}).exec()).isEqualTo("lb");
        assertThat(Main.Options.parse(new String[] {"--help"}).help()).isTrue();
        assertThatThrownBy(() -> Main.Options.parse(new String[] {"--exec"})).hasMessageContaining("needs the commands");
        assertThatThrownBy(() -> Main.Options.parse(new String[] {"--bogus"})).hasMessageContaining("'--bogus'");
    }

    private void jar(String name, String kelpieModule) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (kelpieModule != null) {
            manifest.getMainAttributes().putValue(Main.MODULE_HEADER, kelpieModule);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(name)); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }
}
