package dev.kelpie.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Starts Kelpie: an OSGi framework (found with {@link ServiceLoader}, Felix in the distribution) with every
 * bundle of {@code <home>/bundle}, FileInstall watching {@code <home>/conf} (ConfigAdmin {@code .cfg} files)
 * and {@code <home>/deploy} (bundles: module bundles, host-function bundles), and the Gogo shell.
 *
 * <ul>
 *   <li>{@code kelpie} with a terminal: the Gogo prompt once the runtime is ready; end of input (Ctrl-D)
 *       stops the framework.</li>
 *   <li>{@code kelpie} without a terminal: runs until the framework stops or the process is told to
 *       terminate (SIGTERM or Ctrl-C: a clean framework stop).</li>
 *   <li>{@code kelpie --exec "cmd; cmd"}: waits until the runtime is ready, runs each command through Gogo,
 *       prints each result, stops. Exit status 1 when a command failed, each failure one line
 *       {@code error: <message>} on stderr.</li>
 * </ul>
 *
 * <p>Ready means: the ActorRuntime service is registered, the Kelpie commands are (when the shell bundle is
 * there), and every actor type named by a {@code Kelpie-Module} header of a bundle in {@code deploy/} is
 * deployed. The time from launch to ready is printed to stderr as {@code Kelpie ready in N ms}.
 *
 * <p>This class only uses the OSGi launching API: it runs on the class path next to the framework jar and is
 * no bundle. It talks to Gogo and the runtime by reflection, since their classes live in bundles.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: kelpie [--exec \"command; command...\"]",
            "  (no option)     the Gogo shell on a terminal; without a terminal, run until stopped (SIGTERM)",
            "  -e, --exec CMDS start, wait until ready, run the ';'-separated Gogo commands, print their",
            "                  results and stop; exit status 1 if a command failed",
            "  -h, --help      this text",
            "system properties (KELPIE_OPTS): kelpie.home, kelpie.ready.timeout (seconds, default 30),",
            "  kelpie.interactive (true/false: the Gogo prompt; default: whether stdin is a terminal),",
            "  any OSGi framework property (-Dorg.osgi.framework...=, -Dfelix...=) overrides the default");

    static final String ACTOR_RUNTIME = "dev.kelpie.api.actor.ActorRuntime";
    static final String COMMAND_PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    static final String COMMAND_SESSION = "org.apache.felix.service.command.CommandSession";
    static final String CONVERTER = "org.apache.felix.service.command.Converter";
    static final String KELPIE_SHELL_BSN = "dev.kelpie.shell";
    static final String GOGO_SHELL_BSN = "org.apache.felix.gogo.shell";
    static final String MODULE_HEADER = "Kelpie-Module";
    static final String JUL_FORMAT = "java.util.logging.SimpleFormatter.format";
    static final String SYSTEM_PACKAGES_EXTRA = "javax.xml.bind";
    /**
     * Started first, in this order: SPI Fly and SLF4J's provider before anything logs through SLF4J (the HTTP
     * server), so that SLF4J finds its provider at once; ConfigAdmin and FileInstall (which reads conf/ and
     * deploy/ in its start) so that conf/ is in ConfigAdmin before any component activates; then SCR, so that
     * each component activates as soon as its bundle has started and the module extender begins deploying
     * while the launcher is still starting the other bundles.
     */
    static final List<String> START_FIRST = List.of("org.apache.aries.spifly.dynamic.bundle", "slf4j.jdk14",
            "org.apache.felix.configadmin", "org.apache.felix.fileinstall", "org.apache.felix.scr");
    /**
     * Not needed for ready (the HTTP server, the web console, the health checks and what only they use), and
     * together the slowest to start (~1.2 s of Jetty on a quiet machine): started on a thread of their own
     * ({@code kelpie-start-web}) once the others have started, alongside the deployments, not before them.
     */
    static final List<String> START_ALONGSIDE = List.of("org.apache.felix.http.jetty12", "org.apache.felix.inventory",
            "org.apache.felix.healthcheck.core", "org.apache.felix.webconsole");
    /** How long a stop or an exit waits for the bundles started alongside to have started. */
    static final long START_ALONGSIDE_WAIT_MILLIS = 60_000;
    /**
     * Library bundles that are resolved but never started: their classes load when a bundle uses them.
     * Hazelcast's activator only offers an OSGi service Kelpie does not use (the cluster bundle starts its
     * member itself, when conf/dev.kelpie.cluster.cfg enables it); started, it would load Hazelcast's
     * classes in every Kelpie, single-node ones included.
     */
    static final Set<String> NOT_STARTED = Set.of("com.hazelcast");
    /**
     * Loggers of libraries that say too much at INFO (kept here: java.util.logging holds loggers weakly).
     * Hazelcast's INFO (member lists, migrations, a health line every 20 s under load) is left to the
     * cluster bundle's own INFO lines (kelpie.cluster: joins and leaves).
     */
    private static final List<java.util.logging.Logger> QUIET_LOGGERS = List.of(
            java.util.logging.Logger.getLogger("org.apache.aries.spifly"), java.util.logging.Logger.getLogger("org.eclipse.jetty"),
            java.util.logging.Logger.getLogger("org.apache.felix.http"), java.util.logging.Logger.getLogger("org.apache.felix.hc"),
            java.util.logging.Logger.getLogger("com.hazelcast"));
    /** The HTTP gateway's configuration; its {@code port} and {@code host} are the HTTP server's too. */
    static final String HTTP_CONFIG = "conf/dev.kelpie.http.cfg";
    static final String HTTP_PORT_PROPERTY = "org.osgi.service.http.port";
    /** The cluster's configuration; its {@code enabled} chooses the runtime's state store. */
    static final String CLUSTER_CONFIG = "conf/dev.kelpie.cluster.cfg";
    /**
     * The framework property conf/dev.kelpie.runtime.cfg names as the runtime's store target
     * ({@code store.target = ${kelpie.store.target}}; FileInstall substitutes framework properties).
     */
    static final String STORE_TARGET_PROPERTY = "kelpie.store.target";
    static final String HTTP_HOST_PROPERTY = "org.apache.felix.http.host";

    private final Options options;
    private final Path home;
    private final long launchMillis;
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private volatile Framework framework;
    private volatile Thread alongsideStarter;
    private final long mainMillis = System.currentTimeMillis();

    Main(Options options, Path home, long launchMillis) {
        this.options = options;
        this.home = home;
        this.launchMillis = launchMillis;
    }

    public static void main(String[] args) {
        long launch = launchMillis();
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(USAGE);
            return;
        }
        int status;
        try {
            status = new Main(options, home(), launch).run();
        } catch (Exception e) {
            System.err.println("error: " + oneLine(e));
            status = 1;
        }
        System.exit(status);
    }

    int run() throws Exception {
        System.setProperty("kelpie.home", home.toString());
        // the runtime logs through System.Logger (java.util.logging here): one line per record
        if (System.getProperty(JUL_FORMAT) == null) {
            System.setProperty(JUL_FORMAT, "%1$tT %4$s %3$s: %5$s%6$s%n");
        }
        QUIET_LOGGERS.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
        Files.createDirectories(home.resolve("data"));
        boolean exec = options.exec() != null;
        boolean interactive = !exec && interactive();

        Map<String, String> config = frameworkConfig(interactive);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path (lib/)"));
        Framework fw = factory.newFramework(config);
        fw.init();
        framework = fw;
        Thread hook = new Thread(() -> {
            if (stopFramework()) {
                err.println("Kelpie stopped");
            }
        }, "kelpie-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        BundleContext context = fw.getBundleContext();
        boolean tracing = Boolean.getBoolean("kelpie.trace");
        if (tracing) {
            err.printf("%6d ms  main: framework initialised (main entered at %d ms)%n",
                    System.currentTimeMillis() - launchMillis, mainMillis - launchMillis);
            trace(context);
        }
        List<Bundle> bundles = install(context, home.resolve("bundle"));
        if (tracing) {
            err.printf("%6d ms  main: %d bundles installed%n", System.currentTimeMillis() - launchMillis, bundles.size());
        }
        fw.start();
        Bundle gogoShell = null;
        boolean allStarted = true;
        List<Bundle> alongside = new ArrayList<>();
        for (Bundle b : startOrder(bundles)) {
            if (GOGO_SHELL_BSN.equals(b.getSymbolicName()) && !exec) {
                gogoShell = b; // started once ready, so that the prompt comes after the ready line
                continue;
            }
            if (START_ALONGSIDE.contains(b.getSymbolicName())) {
                alongside.add(b);
                continue;
            }
            allStarted &= start(b);
        }
        startAlongside(alongside, tracing);

        Readiness readiness = new Readiness(context, moduleTypes(home.resolve("deploy")));
        // a run bundle that did not start may well keep the runtime from ever being ready: wait less
        long timeoutMillis = allStarted ? TimeUnit.SECONDS.toMillis(Long.getLong("kelpie.ready.timeout", 30)) : 2000;
        Optional<String> missing = readiness.await(timeoutMillis);
        long elapsed = System.currentTimeMillis() - launchMillis;
        if (missing.isEmpty()) {
            err.println("Kelpie ready in " + elapsed + " ms");
        } else {
            err.println("Kelpie not ready after " + elapsed + " ms: still waiting for " + missing.get());
        }
        err.flush();

        if (exec) {
            int status = execute(context, split(options.exec()));
            awaitAlongside();
            stopFramework();
            return status;
        }
        if (gogoShell != null) {
            start(gogoShell);
        }
        if (interactive) {
            console(context); // until Ctrl-D
            awaitAlongside();
            stopFramework();
            return 0;
        }
        if (!interactive) {
            err.println("Kelpie is running without a terminal (" + home + "); stop it with SIGTERM");
        }
        // until the framework stops: Ctrl-D in the shell, 'stop 0', SIGTERM (the shutdown hook); an update of
        // the system bundle ('update 0') stops Kelpie as well
        FrameworkEvent stopped = fw.waitForStop(0);
        return stopped.getType() == FrameworkEvent.ERROR ? 1 : 0;
    }

    // ---------------------------------------------------------------------------------------------
    // framework

    Map<String, String> frameworkConfig(boolean interactive) {
        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_STORAGE, home.resolve("cache").toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        config.put("kelpie.home", home.toString());
        // HdrHistogram 2.2.2 imports javax.xml.bind only for a reflective fallback never taken on Java 8+:
        // the same list as -runsystempackages in bndrun/kelpie.bndrun
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SYSTEM_PACKAGES_EXTRA);
        // FileInstall: one watcher per directory of the comma-separated list
        config.put("felix.fileinstall.dir", home.resolve("conf") + "," + home.resolve("deploy"));
        config.put("felix.fileinstall.poll", "500");
        config.put("felix.fileinstall.noInitialDelay", "true");
        config.put("felix.fileinstall.log.level", "2");
        // the conf/ files are the configuration: never rewritten by FileInstall
        config.put("felix.fileinstall.enableConfigSave", "false");
        // Gogo: etc/gosh_profile and etc/motd of the home; no console without a terminal
        config.put("gosh.home", home.toString());
        // Gogo's shell bundle runs the profile and provides its commands, never a console: Kelpie's Console is it
        config.put("gosh.args", "--nointeractive");
        // the HTTP server (Felix HTTP Jetty) listens where conf/dev.kelpie.http.cfg says, 127.0.0.1:8181 by
        // default, never on Jetty's own default of every address
        config.putAll(httpServerProperties(home.resolve(HTTP_CONFIG)));
        // the runtime's state store: the cluster's replicated one when conf/dev.kelpie.cluster.cfg enables the
        // cluster, else the member's MVStore store (conf/dev.kelpie.runtime.cfg refers to this property)
        config.put(STORE_TARGET_PROPERTY, storeTarget(home.resolve(CLUSTER_CONFIG)));
        // Felix EventAdmin (under the health checks) prints warnings to stdout without a LogService, such as
        // the interrupt of its thread at every stop: errors only
        config.put("org.apache.felix.eventadmin.LogLevel", "1");
        // -D overrides for any of these, and more framework properties
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("org.osgi.") || name.startsWith("felix.") || name.startsWith("gosh.")) {
                config.put(name, System.getProperty(name));
            }
        }
        return config;
    }

    /**
     * The HTTP server's port and host from the gateway's configuration file ({@code port}, default 8181;
     * {@code host}, default 127.0.0.1), as Felix HTTP Jetty's framework properties. Read once at start.
     */
    static Map<String, String> httpServerProperties(Path cfg) {
        java.util.Properties p = new java.util.Properties();
        if (Files.isRegularFile(cfg)) {
            try (InputStream in = Files.newInputStream(cfg)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("warning: cannot read " + cfg + " (" + oneLine(e) + "); the HTTP server uses 127.0.0.1:8181");
                p.clear();
            }
        }
        Map<String, String> out = new HashMap<>();
        out.put(HTTP_PORT_PROPERTY, p.getProperty("port", "8181").trim());
        out.put(HTTP_HOST_PROPERTY, p.getProperty("host", "127.0.0.1").trim());
        return out;
    }

    /**
     * The runtime's state store filter for the cluster's configuration file: the clustered store
     * ({@code kelpie.store.name=cluster}) when it says {@code enabled = true}, else the MVStore store.
     * Read once at start, like the file's other settings.
     */
    static String storeTarget(Path clusterCfg) {
        java.util.Properties p = new java.util.Properties();
        if (Files.isRegularFile(clusterCfg)) {
            try (InputStream in = Files.newInputStream(clusterCfg)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("warning: cannot read " + clusterCfg + " (" + oneLine(e) + "); Kelpie runs single-node");
                p.clear();
            }
        }
        boolean clustered = "true".equalsIgnoreCase(p.getProperty("enabled", "false").trim());
        return clustered ? "(kelpie.store.name=cluster)" : "(kelpie.store.name=mvstore)";
    }

    static List<Bundle> install(BundleContext context, Path dir) throws IOException, BundleException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.jar")) {
            files.forEach(jars::add);
        }
        jars.sort(Comparator.comparing(Path::toString));
        List<Bundle> bundles = new ArrayList<>();
        for (Path jar : jars) {
            // reference: the framework reads the jar in place instead of copying it into its cache
            bundles.add(context.installBundle("reference:" + jar.toUri()));
        }
        return bundles;
    }

    static List<Bundle> startOrder(List<Bundle> bundles) {
        List<Bundle> ordered = new ArrayList<>();
        for (String bsn : START_FIRST) {
            bundles.stream().filter(b -> bsn.equals(b.getSymbolicName())).forEach(ordered::add);
        }
        bundles.stream().filter(b -> !ordered.contains(b)).forEach(ordered::add);
        ordered.removeIf(b -> b.getHeaders("").get(Constants.FRAGMENT_HOST) != null
                || NOT_STARTED.contains(b.getSymbolicName()));
        return ordered;
    }

    /**
     * Starts the bundles on a thread of their own, in order (a failure is a warning, as for the others). A
     * framework stop meanwhile ends it: the bundles it has not reached stay resolved.
     */
    private void startAlongside(List<Bundle> bundles, boolean tracing) {
        if (bundles.isEmpty()) {
            return;
        }
        Thread t = new Thread(() -> {
            for (Bundle b : bundles) {
                if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
                    return;
                }
                try {
                    start(b);
                } catch (IllegalStateException stopping) { // uninstalled by a framework stop meanwhile
                    return;
                }
            }
            if (tracing) {
                err.printf("%6d ms  main: %d bundles started alongside%n", System.currentTimeMillis() - launchMillis,
                        bundles.size());
            }
        }, "kelpie-start-web");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> err.println("warning: starting " + bundles.size()
                + " bundles alongside failed: " + oneLine(e)));
        alongsideStarter = t;
        t.start();
    }

    /** Waits (a minute at most) until the bundles started alongside have started, so a stop does not race them. */
    private void awaitAlongside() {
        Thread t = alongsideStarter;
        if (t == null) {
            return;
        }
        try {
            t.join(START_ALONGSIDE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean start(Bundle bundle) {
        try {
            bundle.start();
            return true;
        } catch (BundleException e) {
            err.println("warning: bundle " + bundle.getSymbolicName() + " did not start: " + oneLine(e));
            return false;
        }
    }

    /** Stops the framework and waits (a minute at most) until it has; false when it was not running. */
    private boolean stopFramework() {
        Framework fw = framework;
        if (fw == null || (fw.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0) {
            return false;
        }
        try {
            fw.stop();
            fw.waitForStop(TimeUnit.SECONDS.toMillis(60));
        } catch (BundleException e) {
            err.println("error: stopping the framework: " + oneLine(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** -Dkelpie.trace=true: bundle and service events on stderr, with the milliseconds since launch. */
    private void trace(BundleContext context) {
        context.addBundleListener(e -> err.printf("%6d ms  bundle %-40s %s%n", System.currentTimeMillis() - launchMillis,
                e.getBundle().getSymbolicName(), BUNDLE_EVENTS.getOrDefault(e.getType(), "event " + e.getType())));
        context.addServiceListener(e -> {
            if (e.getType() == ServiceEvent.REGISTERED) {
                err.printf("%6d ms  service %s%n", System.currentTimeMillis() - launchMillis,
                        String.join(",", (String[]) e.getServiceReference().getProperty(Constants.OBJECTCLASS)));
            }
        });
    }

    private static final Map<Integer, String> BUNDLE_EVENTS = Map.of(
            BundleEvent.INSTALLED, "installed", BundleEvent.RESOLVED, "resolved",
            BundleEvent.STARTING, "starting", BundleEvent.STARTED, "started",
            BundleEvent.STOPPING, "stopping", BundleEvent.STOPPED, "stopped",
            BundleEvent.UPDATED, "updated", BundleEvent.UNINSTALLED, "uninstalled");

    // ---------------------------------------------------------------------------------------------
    // readiness

    /** The actor types named by the {@code Kelpie-Module} headers of the bundles in {@code deploy/}. */
    static Set<String> moduleTypes(Path deploy) throws IOException {
        Set<String> types = new LinkedHashSet<>();
        if (!Files.isDirectory(deploy)) {
            return types;
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(deploy, "*.jar")) {
            files.forEach(jars::add);
        }
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                Manifest manifest = file.getManifest();
                String header = manifest == null ? null : manifest.getMainAttributes().getValue(MODULE_HEADER);
                if (header != null) {
                    for (String clause : splitOutsideQuotes(header, ',')) {
                        String name = splitOutsideQuotes(clause, ';').get(0).trim();
                        if (!name.isEmpty()) {
                            types.add(name);
                        }
                    }
                }
            } catch (IOException e) {
                // not a jar FileInstall can install either: nothing to wait for
            }
        }
        return types;
    }

    static final class Readiness {
        private final BundleContext context;
        private final Set<String> types;

        Readiness(BundleContext context, Set<String> types) {
            this.context = context;
            this.types = types;
        }

        /** Polls until ready or the timeout; empty when ready, else what is still missing. */
        Optional<String> await(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (true) {
                Optional<String> missing = missing();
                if (missing.isEmpty() || System.nanoTime() - deadline > 0) {
                    return missing;
                }
                Thread.sleep(20);
            }
        }

        Optional<String> missing() {
            ServiceReference<?> runtimeRef = context.getServiceReference(ACTOR_RUNTIME);
            if (runtimeRef == null) {
                return Optional.of("the actor runtime service");
            }
            boolean shellInstalled = false;
            for (Bundle b : context.getBundles()) {
                shellInstalled |= KELPIE_SHELL_BSN.equals(b.getSymbolicName());
            }
            if (shellInstalled && !hasService("(osgi.command.scope=kelpie)")) {
                return Optional.of("the kelpie commands");
            }
            if (types.isEmpty()) {
                return Optional.empty();
            }
            Object runtime = context.getService(runtimeRef);
            if (runtime == null) {
                return Optional.of("the actor runtime service");
            }
            try {
                Method type = interfaceMethod(runtime.getClass(), ACTOR_RUNTIME, "type", String.class);
                List<String> absent = new ArrayList<>();
                for (String name : types) {
                    if (!((Optional<?>) type.invoke(runtime, name)).isPresent()) {
                        absent.add(name);
                    }
                }
                return absent.isEmpty() ? Optional.empty()
                        : Optional.of("actor type(s) " + String.join(", ", absent) + " of deploy/");
            } catch (ReflectiveOperationException | RuntimeException e) {
                return Optional.of("the actor runtime (" + oneLine(e) + ")");
            } finally {
                context.ungetService(runtimeRef);
            }
        }

        private boolean hasService(String filter) {
            try {
                ServiceReference<?>[] refs = context.getServiceReferences((String) null, filter);
                return refs != null && refs.length > 0;
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the interactive console

    /** Runs Kelpie's console on the terminal until the end of input. */
    void console(BundleContext context) throws Exception {
        try (org.jline.terminal.Terminal terminal = org.jline.terminal.TerminalBuilder.builder().system(true)
                .name("kelpie").build()) {
            GogoShell shell = GogoShell.open(context, terminal.input(), terminal.output(), terminal.output());
            if (shell == null) {
                err.println("error: the Gogo command processor is not running");
                return;
            }
            try (shell) {
                welcome(terminal.writer());
                new Console(shell, home.resolve("data").resolve("console-history")).run(terminal);
            }
        }
    }

    /** Prints etc/motd of the home (the commands at a glance) before the first prompt; nothing when it is absent. */
    void welcome(java.io.PrintWriter out) {
        Path motd = home.resolve("etc").resolve("motd");
        try {
            if (Files.isRegularFile(motd)) {
                out.println(Files.readString(motd).stripTrailing());
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            err.println("warning: cannot read " + motd + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // --exec

    int execute(BundleContext context, List<String> commands) throws Exception {
        ServiceReference<?> ref = context.getServiceReference(COMMAND_PROCESSOR);
        if (ref == null) {
            err.println("error: the Gogo command processor is not running");
            return 1;
        }
        Object processor = context.getService(ref);
        Class<?> sessionType = ref.getBundle().loadClass(COMMAND_SESSION);
        int inspect = ref.getBundle().loadClass(CONVERTER).getField("INSPECT").getInt(null);
        Method createSession = interfaceMethod(processor.getClass(), COMMAND_PROCESSOR, "createSession",
                InputStream.class, OutputStream.class, OutputStream.class);
        Method execute = sessionType.getMethod("execute", CharSequence.class);
        Method format = sessionType.getMethod("format", Object.class, int.class);
        Method close = sessionType.getMethod("close");
        Object session = createSession.invoke(processor, System.in, out, err);
        int status = 0;
        try {
            for (String command : commands) {
                try {
                    Object result = execute.invoke(session, command);
                    if (result != null) {
                        out.println(format.invoke(session, result, inspect));
                    }
                } catch (InvocationTargetException e) {
                    out.flush();
                    err.println("error: " + oneLine(e.getCause()));
                    status = 1;
                }
                out.flush();
                err.flush();
            }
        } finally {
            close.invoke(session);
            context.ungetService(ref);
        }
        return status;
    }

    /** Splits at {@code ;} outside quotes, {@code $'...'}, braces, brackets and parentheses. */
    static List<String> split(String commands) {
        List<String> parts = new ArrayList<>();
        for (String part : splitOutsideQuotes(commands, ';')) {
            if (!part.isBlank()) {
                parts.add(part.strip());
            }
        }
        return parts;
    }

    static List<String> splitOutsideQuotes(String text, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        boolean ansi = false; // inside $'...': backslash escapes
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                current.append(c);
                if (c == '\\' && (quote == '"' || ansi) && i + 1 < text.length()) {
                    current.append(text.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\\' && i + 1 < text.length()) {
                current.append(c).append(text.charAt(++i));
            } else if (c == '"' || c == '\'') {
                quote = c;
                ansi = c == '\'' && i > 0 && text.charAt(i - 1) == '$';
                current.append(c);
            } else if (c == '{' || c == '[' || c == '(') {
                depth++;
                current.append(c);
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
                current.append(c);
            } else if (c == separator && depth == 0) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    // ---------------------------------------------------------------------------------------------
    // helpers

    /** The public interface method {@code name} of a service object, looked up on the interface itself. */
    static Method interfaceMethod(Class<?> impl, String interfaceName, String name, Class<?>... params)
            throws NoSuchMethodException {
        for (Class<?> c = impl; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                Optional<Class<?>> found = findInterface(i, interfaceName);
                if (found.isPresent()) {
                    return found.get().getMethod(name, params);
                }
            }
        }
        throw new NoSuchMethodException(interfaceName + "." + name + " on " + impl.getName());
    }

    private static Optional<Class<?>> findInterface(Class<?> type, String name) {
        if (type.getName().equals(name)) {
            return Optional.of(type);
        }
        for (Class<?> parent : type.getInterfaces()) {
            Optional<Class<?>> found = findInterface(parent, name);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** A throwable as one line: its message (or type; wrappers give their cause's), line breaks folded. */
    static String oneLine(Throwable t) {
        Throwable e = t;
        while (e.getCause() != null && (e instanceof InvocationTargetException || e.getMessage() == null
                || e.getMessage().equals(e.getCause().toString()))) {
            e = e.getCause();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The distribution directory: {@code kelpie.home}, else the parent of the launcher jar's directory. */
    static Path home() {
        String configured = System.getProperty("kelpie.home");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = Files.isDirectory(jar) ? jar : jar.getParent();
            return lib.getParent().toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }

    /**
     * Whether standard input is a terminal: {@code kelpie.interactive} (bin/kelpie sets it from {@code [ -t 0 ]}),
     * else whether the JVM has a console (standard input and output both terminals).
     */
    static boolean interactive() {
        String configured = System.getProperty("kelpie.interactive");
        if (configured != null && !configured.isBlank()) {
            return Boolean.parseBoolean(configured.trim());
        }
        return System.console() != null;
    }

    /** When the launch began: {@code kelpie.launch.millis} from bin/kelpie, else the JVM's start. */
    static long launchMillis() {
        Long fromScript = Long.getLong("kelpie.launch.millis");
        if (fromScript != null && fromScript > 0) {
            return fromScript;
        }
        return ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli())
                .orElse(System.currentTimeMillis());
    }

    record Options(String exec, boolean help) {
        static Options parse(String[] args) {
            String exec = null;
            boolean help = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-e", "--exec" -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs the commands to run");
                        }
                        exec = args[++i];
                    }
                    case "-h", "--help" -> help = true;
                    default -> {
                        if (a.startsWith("--exec=")) {
                            exec = a.substring("--exec=".length());
                        } else {
                            throw new IllegalArgumentException("unknown argument '" + a + "'");
                        }
                    }
                }
            }
            return new Options(exec, help);
        }
    }
}
