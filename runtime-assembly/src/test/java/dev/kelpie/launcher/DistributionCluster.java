package dev.kelpie.launcher;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * N members of the built distribution as separate processes on loopback: each in its own copy of the
 * distribution directory (own {@code data/} and {@code cache/}; {@code bundle/} and {@code lib/} are links to
 * the built ones; only the counter's module bundle in {@code deploy/}), with {@code conf/dev.kelpie.cluster.cfg} enabled, a free Hazelcast port and a free HTTP
 * port. A Hazelcast client in the test JVM watches the cluster (members, partition owners, the module map).
 * {@link #close} stops every process (SIGKILL when SIGTERM does not stop it in time) and deletes the copies.
 */
final class DistributionCluster implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("kelpie.cluster.start.seconds", 240));
    /** The module bundles of deploy/ each member gets (the tests need the counter; the examples only cost start time). */
    static final List<String> DEPLOYED = List.of("kelpie-module-counter.jar");
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /** One member: its directory, ports and (while it runs) its process. */
    final class Node {
        final int index;
        final Path home;
        final int clusterPort;
        final int httpPort;
        final Path err;
        Process process;

        Node(int index, Path home, int clusterPort, int httpPort) {
            this.index = index;
            this.home = home;
            this.clusterPort = clusterPort;
            this.httpPort = httpPort;
            this.err = home.resolve("kelpie.err");
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        URI base() {
            return URI.create("http://127.0.0.1:" + httpPort);
        }

        /** host:port of its Hazelcast member. */
        String address() {
            return "127.0.0.1:" + clusterPort;
        }

        /** Starts the process; {@link #awaitReady} waits for it. */
        Node start() throws IOException {
            if (alive()) {
                throw new IllegalStateException("member " + index + " runs already");
            }
            Files.writeString(err, "", StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kelpie").toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("KELPIE_OPTS", "-Xmx384m -XX:+UseSerialGC -Dorg.osgi.service.http.port=" + httpPort
                    + " -Dkelpie.ready.timeout=" + START_TIMEOUT.toSeconds() + " "
                    + System.getProperty("kelpie.cluster.member.opts", ""));
            process = builder.start();
            return this;
        }

        /** Until its gateway lists the counter type of deploy/ (the runtime is up and serves HTTP). */
        Node awaitReady() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!servesCounter()) {
                if (!alive() || System.nanoTime() > deadline) {
                    throw new AssertionError("member " + index + " did not get ready within " + START_TIMEOUT.toSeconds()
                            + " s" + (alive() ? "" : " (it exited)") + "; stderr:\n" + tail());
                }
                Thread.sleep(200);
            }
            return this;
        }

        private boolean servesCounter() {
            try {
                HttpResponse<String> r = send(request("/types").timeout(Duration.ofSeconds(5)).GET());
                return r.statusCode() == 200 && r.body().contains("\"name\":\"counter\"");
            } catch (IOException e) {
                return false; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** SIGKILL: no shutdown hook, no graceful leave. */
        void kill() throws InterruptedException {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        }

        /** SIGTERM (the launcher stops the framework, the member leaves), SIGKILL when that takes too long. */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            }
        }

        String tail() {
            try {
                String s = Files.readString(err);
                return s.length() > 6000 ? "..." + s.substring(s.length() - 6000) : s;
            } catch (IOException e) {
                return "(" + e + ")";
            }
        }

        /** One HTTP request to this member's gateway. */
        HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofSeconds(60));
        }

        @Override
        public String toString() {
            return "member " + index + " (" + address() + ", HTTP " + httpPort + ")";
        }
    }

    final String name = "kelpie-it-" + UUID.randomUUID().toString().substring(0, 8);
    final List<Node> nodes = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Path work;
    private HazelcastInstance client;

    /** Lays out n member directories from the built distribution (nothing starts yet). */
    DistributionCluster(Path dist, int n) throws IOException {
        work = Files.createTempDirectory("kelpie-cluster-it");
        List<Integer> clusterPorts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clusterPorts.add(freePort());
        }
        String members = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        for (int i = 0; i < n; i++) {
            Path home = work.resolve("member-" + i);
            layOut(dist.toAbsolutePath().normalize(), home);
            int httpPort = freePort();
            Files.writeString(home.resolve("conf/dev.kelpie.cluster.cfg"), "enabled = true\nname = " + name
                    + "\nhost = 127.0.0.1\nport = " + clusterPorts.get(i) + "\nmembers = " + members + "\n"
                    // several JVMs starting at once on a loaded machine: joining can take minutes
                    + "start_timeout_seconds = " + START_TIMEOUT.toSeconds() + "\n"
                    + System.getProperty("kelpie.cluster.cfg.extra", "").replace(';', '\n'));
            Files.writeString(home.resolve("conf/dev.kelpie.http.cfg"), "port = " + httpPort + "\nhost = 127.0.0.1\ntoken =\n");
            String storeTarget = System.getProperty("kelpie.cluster.store.target");
            if (storeTarget != null) { // a store other than the one the launcher chooses (the clustered one)
                Path runtimeCfg = home.resolve("conf/dev.kelpie.runtime.cfg");
                Files.writeString(runtimeCfg, Files.readString(runtimeCfg).replace("${kelpie.store.target}", storeTarget));
            }
            nodes.add(new Node(i, home, clusterPorts.get(i), httpPort));
        }
    }

    private static void layOut(Path dist, Path home) throws IOException {
        Files.createDirectories(home);
        for (String linked : List.of("bundle", "lib", "examples")) {
            if (Files.exists(dist.resolve(linked))) {
                Files.createSymbolicLink(home.resolve(linked), dist.resolve(linked));
            }
        }
        for (String copied : List.of("bin", "conf", "etc")) {
            copyTree(dist.resolve(copied), home.resolve(copied));
        }
        Files.createDirectories(home.resolve("deploy"));
        for (String jar : DEPLOYED) {
            Files.copy(dist.resolve("deploy").resolve(jar), home.resolve("deploy").resolve(jar));
        }
    }

    /** Starts every member at once and waits until each is ready and the cluster has them all. */
    DistributionCluster startAll() throws IOException, InterruptedException {
        for (Node n : nodes) {
            n.start();
        }
        for (Node n : nodes) {
            n.awaitReady();
        }
        awaitMembers(nodes.size());
        return this;
    }

    /** The test JVM's Hazelcast client of the cluster (connects to any running member). */
    HazelcastInstance client() {
        if (client == null) {
            ClientConfig c = new ClientConfig();
            c.setClusterName(name);
            c.setProperty("hazelcast.phone.home.enabled", "false");
            c.setProperty("hazelcast.logging.type", "jdk");
            nodes.forEach(n -> c.getNetworkConfig().addAddress(n.address()));
            c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(60_000);
            client = HazelcastClient.newHazelcastClient(c);
        }
        return client;
    }

    /** Waits until the cluster has exactly this many members. */
    void awaitMembers(int count) {
        await(count + " members in cluster " + name, START_TIMEOUT, () -> client().getCluster().getMembers().size() == count);
    }

    /** The member owning the partition of this actor (its home), by the partition key {@code type:id}. */
    Node ownerOf(String actor) {
        var owner = client().getPartitionService().getPartition(actor).getOwner();
        int port = owner.getAddress().getPort();
        return nodes.stream().filter(n -> n.clusterPort == port).findFirst()
                .orElseThrow(() -> new AssertionError("no member on port " + port));
    }

    List<Node> running() {
        return nodes.stream().filter(Node::alive).collect(Collectors.toList());
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet (a member starting, a connection refused)
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (client != null) {
            try {
                client.shutdown();
            } catch (RuntimeException e) {
                // the members may be gone already
            }
        }
        for (Node n : nodes) {
            try {
                n.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (n.process != null) {
                    n.process.destroyForcibly();
                }
            }
        }
        if (!Boolean.getBoolean("kelpie.cluster.keep")) {
            deleteTree(work);
        }
    }

    /** What every member's stderr says, for a failure message. */
    String logs() {
        return nodes.stream().map(n -> "---- " + n + ":\n" + n.tail()).collect(Collectors.joining("\n"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.exists(from)) {
            return;
        }
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                Files.copy(file, target);
                if (file.toFile().canExecute()) {
                    target.toFile().setExecutable(true);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
