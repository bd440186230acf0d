package dev.kelpie.itests;

import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.wapc.WapcHost;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import javax.inject.Inject;
import org.junit.After;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * What every Kelpie integration test shares: the Pax Exam configuration (the distribution's resolved run
 * bundles by {@code file:} URL, a fresh {@code kelpie.home}, Gogo without a console) and helpers to
 * install test bundles, invoke actors and poll with bounded timeouts.
 *
 * <p>System properties (set by maven-failsafe-plugin, see {@code itests/pom.xml}):
 * {@code kelpie.bundles.dir} (the run bundles), {@code kelpie.itests.counter.jar},
 * {@code kelpie.itests.counter-v2.jar}, {@code kelpie.itests.testbed.jar}, {@code kelpie.itests.greeting.jar}
 * (bundles the tests install themselves), {@code kelpie.itests.testbed.wasm} (a plain module file) and
 * {@code kelpie.itests.work} (scratch space).
 */
public abstract class KelpieTestSupport {
    static final String BUNDLES_DIR = "kelpie.bundles.dir";
    static final String COUNTER_JAR = "kelpie.itests.counter.jar";
    static final String COUNTER_V2_JAR = "kelpie.itests.counter-v2.jar";
    static final String TESTBED_JAR = "kelpie.itests.testbed.jar";
    static final String GREETING_JAR = "kelpie.itests.greeting.jar";
    static final String TESTBED_WASM = "kelpie.itests.testbed.wasm";
    static final String WORK_DIR = "kelpie.itests.work";
    static final String BNDRUN = "kelpie.itests.bndrun";

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    protected BundleContext context;
    @Inject
    protected ActorRuntime runtime;
    @Inject
    protected ModuleRegistry registry;
    @Inject
    protected WapcHost wapcHost;

    /** Bundles a test installed; uninstalled after it. */
    private final List<Bundle> installed = new ArrayList<>();

    @Configuration
    public Option[] config() throws IOException {
        Path work = Path.of(required(WORK_DIR));
        Files.createDirectories(work);
        Path home = Files.createTempDirectory(work, getClass().getSimpleName() + "-home-");
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        List<Option> options = new ArrayList<>();
        for (File jar : runBundles()) {
            options.add(bundle(jar.toURI().toString()));
        }
        options.add(junitBundles());
        // The framework as the distribution sets it up: its extra system packages (-runsystempackages).
        List<String> systemPackages = runSystemPackages();
        if (!systemPackages.isEmpty()) {
            options.add(systemPackages(systemPackages.toArray(new String[0])));
        }
        // A run bundle that does not resolve fails the container at once, naming it in the log.
        options.add(systemProperty("pax.exam.osgi.unresolved.fail").value("true"));
        // The state store's data and anything else relative to the distribution: a fresh folder per container.
        options.add(systemProperty("kelpie.home").value(home.toString()));
        options.add(frameworkProperty("kelpie.home").value(home.toString()));
        // Gogo shell without a terminal: never read stdin, never stop the framework.
        options.add(frameworkProperty("gosh.args").value("--nointeractive"));
        options.add(systemProperty("gosh.args").value("--nointeractive"));
        // FileInstall (when in the distribution) watches an empty folder of this container only.
        options.add(frameworkProperty("felix.fileinstall.dir").value(deploy.toString()));
        options.add(systemProperty("felix.fileinstall.dir").value(deploy.toString()));
        options.add(frameworkProperty("felix.fileinstall.log.level").value("1"));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        // The HTTP server (Felix HTTP Jetty) of this container: loopback, a port free now
        options.add(frameworkProperty("org.osgi.service.http.port").value(String.valueOf(httpPort())));
        options.add(frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"));
        options.add(workingDirectory(work.resolve("exam-" + getClass().getSimpleName()).toString()));
        options.add(cleanCaches(true));
        return options.toArray(new Option[0]);
    }

    /** The HTTP port of this test class's container, chosen free once. */
    static synchronized int httpPort() throws IOException {
        if (httpPort == 0) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                httpPort = s.getLocalPort();
            }
        }
        return httpPort;
    }

    private static int httpPort;

    /**
     * Every jar of the distribution's bundle folder, in name order, except the framework itself (the native
     * container brings Felix 7.0.5) and bundles the tests install themselves (module bundles and the
     * example host-function bundle).
     */
    static List<File> runBundles() throws IOException {
        File dir = new File(required(BUNDLES_DIR));
        File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (!dir.isDirectory() || jars == null || jars.length == 0) {
            throw new IllegalStateException("no run bundles in " + dir + " (system property " + BUNDLES_DIR
                    + "): build the distribution first (mvn install in runtime-assembly)");
        }
        Arrays.sort(jars);
        List<File> bundles = new ArrayList<>();
        for (File jar : jars) {
            Manifest mf;
            try (JarFile jf = new JarFile(jar)) {
                mf = jf.getManifest();
            }
            String bsn = mf == null ? null : mf.getMainAttributes().getValue("Bundle-SymbolicName");
            if (bsn == null) {
                throw new IllegalStateException(jar + " in " + dir + " is not an OSGi bundle");
            }
            bsn = bsn.split(";")[0].trim();
            if (bsn.equals("org.apache.felix.framework") || bsn.equals("com.example.greeting")
                    || mf.getMainAttributes().getValue("Kelpie-Module") != null) {
                continue;
            }
            bundles.add(jar);
        }
        return bundles;
    }

    /**
     * The clauses of {@code -runsystempackages} in the distribution's .bndrun (system property
     * {@code kelpie.itests.bndrun}): packages the system bundle exports besides the JDK's.
     */
    static List<String> runSystemPackages() throws IOException {
        String value = bndrunInstruction(Files.readAllLines(file(BNDRUN).toPath()), "-runsystempackages");
        List<String> clauses = new ArrayList<>();
        if (value == null) {
            return clauses;
        }
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (char c : value.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                addClause(clauses, clause);
            } else {
                clause.append(c);
            }
        }
        addClause(clauses, clause);
        return clauses;
    }

    private static void addClause(List<String> clauses, StringBuilder clause) {
        String c = clause.toString().trim();
        if (!c.isEmpty()) {
            clauses.add(c);
        }
        clause.setLength(0);
    }

    /** The value of a bnd instruction: {@code name:} or {@code name=}, with backslash line continuations. */
    static String bndrunInstruction(List<String> lines, String name) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith(name) && line.length() > name.length()
                    && (line.charAt(name.length()) == ':' || line.charAt(name.length()) == '=')) {
                StringBuilder value = new StringBuilder(line.substring(name.length() + 1));
                while (value.toString().endsWith("\\") && i + 1 < lines.size()) {
                    value.setLength(value.length() - 1);
                    value.append(lines.get(++i).strip());
                }
                return value.toString().trim();
            }
        }
        return null;
    }

    static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set (run the tests with mvn verify)");
        }
        return value;
    }

    static File file(String property) {
        File f = new File(required(property));
        if (!f.isFile()) {
            throw new IllegalStateException(f + " (system property " + property + ") does not exist: build it first");
        }
        return f;
    }

    // ---- bundles ----

    /** Installs a bundle from the jar named by a system property; uninstalled after the test. */
    protected Bundle install(String property) throws BundleException {
        Bundle b = context.installBundle(file(property).toURI().toString());
        installed.add(b);
        return b;
    }

    /** Installs and starts; a failure to start names the bundle. */
    protected Bundle installAndStart(String property) throws BundleException {
        Bundle b = install(property);
        b.start();
        return b;
    }

    protected void forget(Bundle b) {
        installed.remove(b);
    }

    @After
    public void uninstallTestBundles() {
        for (Bundle b : installed) {
            try {
                if (b.getState() != Bundle.UNINSTALLED) {
                    b.uninstall();
                }
            } catch (BundleException | IllegalStateException e) {
                // best effort
            }
        }
        installed.clear();
    }

    // ---- actors ----

    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Calls an actor and returns its answer as text. */
    protected String call(String type, String id, String operation, String payload) {
        return text(runtime.ref(type, id).call(operation, utf8(payload)));
    }

    /** Calls an actor that must fail, and returns the failure. */
    protected ActorInvocationException callFails(String type, String id, String operation, String payload) {
        try {
            String answer = call(type, id, operation, payload);
            fail(type + ":" + id + " " + operation + " should have failed but answered '" + answer + "'");
            return null;
        } catch (ActorInvocationException e) {
            return e;
        } catch (CompletionException e) {
            assertNotNull(e.getCause());
            if (e.getCause() instanceof ActorInvocationException) {
                return (ActorInvocationException) e.getCause();
            }
            throw e;
        }
    }

    // ---- polling ----

    /** Polls the condition every 10 ms until it holds; fails naming what was awaited after the timeout. */
    protected static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for: " + what);
            }
        }
    }

    protected static void await(String what, BooleanSupplier condition) {
        await(what, TIMEOUT, condition);
    }

    protected boolean typeDeployed(String type) {
        return runtime.type(type).isPresent();
    }

    protected Bundle bundleNamed(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }
}
