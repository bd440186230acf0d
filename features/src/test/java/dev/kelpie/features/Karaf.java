package dev.kelpie.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An unpacked Apache Karaf run as a child process on free loopback ports: {@link #configure} writes its
 * {@code etc/}, {@link #start} runs {@code bin/karaf server}, {@link #client} runs a shell command over SSH,
 * {@link #close} stops it with {@code bin/stop} and, past a bound, kills it.
 *
 * <p>The commands go through OpenSSH's {@code ssh} with a key made by {@code ssh-keygen} for the run, not
 * through Karaf's {@code bin/client}: Karaf 4.4.10's client closes every session after authenticating
 * ("Closed", exit 1) on this JDK 17 (the server logs the session as authenticated and OpenSSH gets the
 * answers).
 */
final class Karaf implements AutoCloseable {

    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    final Path home;
    final int sshPort;
    final int httpPort;
    private final Path log;
    private final Path key;
    private Process process;

    Karaf(Path home) {
        this.home = home;
        this.sshPort = freePort();
        this.httpPort = freePort();
        this.log = home.resolve("karaf-process.log");
        this.key = home.resolve("kelpie-test-ssh-key");
    }

    /**
     * Loopback-only free ports for SSH, RMI and Felix HTTP, the {@code karaf} user for {@code bin/client},
     * and pax-url-mvn reading {@code mavenRepository} (Kelpie's artifacts) then {@code fallbackRepository}
     * (Karaf's own features' bundles, e.g. SCR), with no remote repository.
     */
    void configure(Path mavenRepository, Path fallbackRepository) throws IOException, InterruptedException {
        Path etc = home.resolve("etc");
        replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort = 8101", "sshPort = " + sshPort);
        replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost = 0.0.0.0", "sshHost = 127.0.0.1");
        replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort = 1099", "rmiRegistryPort = " + freePort());
        replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort = 44444", "rmiServerPort = " + freePort());
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).start();
        if (!keygen.waitFor(60, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
            keygen.destroyForcibly();
            throw new IllegalStateException("ssh-keygen failed: " + new String(keygen.getInputStream().readAllBytes()));
        }
        String publicKey = Files.readString(Path.of(key + ".pub")).trim().split("\\s+")[1];
        Files.writeString(etc.resolve("keys.properties"), "\nkaraf = " + publicKey + ",_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n", StandardOpenOption.APPEND);
        Files.writeString(etc.resolve("org.apache.felix.http.cfg"),
                "org.osgi.service.http.port = " + httpPort + "\norg.apache.felix.http.host = 127.0.0.1\n");
        Files.writeString(etc.resolve("org.ops4j.pax.url.mvn.cfg"), String.join("\n",
                "org.ops4j.pax.url.mvn.localRepository = ${karaf.data}/m2",
                "org.ops4j.pax.url.mvn.useFallbackRepositories = false",
                "org.ops4j.pax.url.mvn.defaultRepositories = \\",
                "    ${karaf.home.uri}system@id=system.repository@snapshots, \\",
                "    " + mavenRepository.toUri() + "@id=kelpie@snapshots, \\",
                "    " + fallbackRepository.toUri() + "@id=m2@snapshots",
                "org.ops4j.pax.url.mvn.repositories =",
                ""));
    }

    void start() throws IOException {
        process = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /**
     * Runs {@code command} in the Karaf shell over SSH and returns what it printed; retries the connection
     * while Karaf starts (up to {@link #START_TIMEOUT}). A one-shot SSH command does not print what a
     * command returns (Gogo-style commands such as {@code kelpie:invoke}): wrap those in {@code echo (...)}.
     */
    String client(String command) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            List<String> cmd = List.of("ssh", "-i", key.toString(), "-p", String.valueOf(sshPort),
                    "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "karaf@127.0.0.1", command);
            Process client = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            client.getOutputStream().close();
            byte[] out;
            try (var in = client.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!client.waitFor(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                client.destroyForcibly();
                throw new IllegalStateException("ssh '" + command + "' did not finish within " + CLIENT_TIMEOUT);
            }
            String text = new String(out, StandardCharsets.UTF_8).replaceAll("\u001B\\[[;?\\d]*[A-Za-z]", "")
                    .replace("Connection to 127.0.0.1 closed by remote host.", "").replace("\r", "");
            if (client.exitValue() == 255 && System.nanoTime() < deadline) { // not listening (yet)
                Thread.sleep(1000);
                continue;
            }
            if (client.exitValue() != 0 || text.contains("Error executing command") || text.contains("Command not found")) {
                throw new IllegalStateException("ssh '" + command + "' failed (exit " + client.exitValue() + "):\n"
                        + text + "\n--- Karaf log tail:\n" + logTail());
            }
            return text;
        }
    }

    String logTail() {
        try {
            Path karafLog = home.resolve("data/log/karaf.log");
            if (!Files.exists(karafLog)) {
                return "(no data/log/karaf.log)";
            }
            List<String> lines = Files.readAllLines(karafLog, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(cannot read karaf.log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process == null) {
            return;
        }
        new ProcessBuilder(home.resolve("bin/stop").toString()).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor(30, TimeUnit.SECONDS);
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (ProcessHandle p : all) {
            long left = deadline - System.nanoTime();
            try {
                p.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
        for (ProcessHandle p : all) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " has no line '" + from + "' (another Karaf version?)");
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
