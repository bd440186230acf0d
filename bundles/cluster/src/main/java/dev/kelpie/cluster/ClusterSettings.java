package dev.kelpie.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A member's settings, checked: every bad value fails with a message naming the configuration attribute
 * ({@code dev.kelpie.cluster}) it came from.
 *
 * @param name the cluster's name ({@code name}); members of other names never join
 * @param host the address this member binds and is reached at ({@code host}), an IP address or name
 * @param port its port ({@code port})
 * @param members the addresses ({@code host:port}) tried when joining ({@code members})
 * @param startTimeout how long the member may take to start and join ({@code start_timeout_seconds})
 * @param shutdownTimeout how long a graceful leave may take before the member is terminated ({@code shutdown_timeout_seconds})
 * @param callTimeout a fixed bound on remote calls ({@code call_timeout_ms}); zero: the runtime's bound
 *     (twice the type's invocation timeout plus its call-wait allowance)
 * @param callThreads threads running messages routed to this member ({@code call_threads})
 * @param callQueueCapacity routed messages that may wait for one of them ({@code call_queue_capacity})
 * @param maxMoves how often a call follows its actor to a new member before it fails ({@code max_moves})
 * @param failureDetection how long a silent member stays a member ({@code failure_detection_seconds})
 * @param joinWait how long a starting member waits for others before it forms a cluster ({@code join_wait_seconds})
 */
public record ClusterSettings(String name, String host, int port, List<String> members, Duration startTimeout,
        Duration shutdownTimeout, Duration callTimeout, int callThreads, int callQueueCapacity, int maxMoves,
        Duration failureDetection, Duration joinWait) {

    /** The defaults: cluster "kelpie" of one member on 127.0.0.1:5701. */
    public static final ClusterSettings DEFAULTS = new ClusterSettings("kelpie", "127.0.0.1", 5701,
            List.of("127.0.0.1:5701"), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ZERO, 64, 10_000, 3,
            Duration.ofSeconds(10), Duration.ofSeconds(5));

    public ClusterSettings {
        if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw bad("name", name, "1 to 64 characters of A-Z a-z 0-9 . _ -");
        }
        if (host == null || host.isBlank()) {
            throw bad("host", host, "an IP address or host name of this machine");
        }
        checkPort("port", port);
        if (members == null || members.isEmpty()) {
            throw bad("members", "", "a comma-separated list of host:port, at least one");
        }
        members = List.copyOf(members);
        for (String m : members) {
            checkMember(m);
        }
        if (!isLoopback(host) && members.stream().allMatch(m -> isLoopback(m.substring(0, m.lastIndexOf(':'))))) {
            throw new IllegalArgumentException("cluster configuration: host '" + host + "' is not a loopback address, but "
                    + "members lists only loopback addresses (" + String.join(",", members) + "): list the host:port of "
                    + "the cluster's members in 'members'");
        }
        positive("start_timeout_seconds", startTimeout);
        positive("shutdown_timeout_seconds", shutdownTimeout);
        if (callTimeout == null || callTimeout.isNegative()) {
            throw bad("call_timeout_ms", callTimeout, "0 (the runtime's bound) or a positive number of milliseconds");
        }
        if (callThreads < 1 || callThreads > 4096) {
            throw bad("call_threads", callThreads, "1 to 4096");
        }
        if (callQueueCapacity < 1) {
            throw bad("call_queue_capacity", callQueueCapacity, "at least 1");
        }
        if (maxMoves < 0 || maxMoves > 100) {
            throw bad("max_moves", maxMoves, "0 to 100");
        }
        positive("failure_detection_seconds", failureDetection);
        if (joinWait == null || joinWait.isNegative()) {
            throw bad("join_wait_seconds", joinWait, "0 or more seconds");
        }
    }

    /** Parses the {@code members} attribute: comma-separated {@code host:port}, blanks ignored. */
    public static List<String> parseMembers(String csv) {
        List<String> out = new ArrayList<>();
        if (csv != null) {
            for (String part : csv.split(",")) {
                String m = part.trim();
                if (!m.isEmpty()) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    public ClusterSettings withName(String n) {
        return new ClusterSettings(n, host, port, members, startTimeout, shutdownTimeout, callTimeout, callThreads,
                callQueueCapacity, maxMoves, failureDetection, joinWait);
    }

    public ClusterSettings withAddress(String h, int p) {
        return new ClusterSettings(name, h, p, members, startTimeout, shutdownTimeout, callTimeout, callThreads,
                callQueueCapacity, maxMoves, failureDetection, joinWait);
    }

    public ClusterSettings withMembers(List<String> m) {
        return new ClusterSettings(name, host, port, m, startTimeout, shutdownTimeout, callTimeout, callThreads,
                callQueueCapacity, maxMoves, failureDetection, joinWait);
    }

    public ClusterSettings withCallTimeout(Duration d) {
        return new ClusterSettings(name, host, port, members, startTimeout, shutdownTimeout, d, callThreads,
                callQueueCapacity, maxMoves, failureDetection, joinWait);
    }

    public ClusterSettings withTimeouts(Duration start, Duration shutdown, Duration failure, Duration join) {
        return new ClusterSettings(name, host, port, members, start, shutdown, callTimeout, callThreads,
                callQueueCapacity, maxMoves, failure, join);
    }

    public ClusterSettings withCalls(int threads, int queueCapacity, int moves) {
        return new ClusterSettings(name, host, port, members, startTimeout, shutdownTimeout, callTimeout, threads,
                queueCapacity, moves, failureDetection, joinWait);
    }

    /** This member's address, {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    private static void checkMember(String m) {
        int colon = m.lastIndexOf(':');
        if (colon <= 0 || colon == m.length() - 1) {
            throw bad("members", m, "host:port");
        }
        int p;
        try {
            p = Integer.parseInt(m.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad("members", m, "host:port with a port of 1 to 65535");
        }
        if (p < 1 || p > 65535) {
            throw bad("members", m, "host:port with a port of 1 to 65535");
        }
        if (m.substring(0, colon).isBlank() || m.substring(0, colon).chars().anyMatch(Character::isWhitespace)) {
            throw bad("members", m, "host:port without spaces in the host");
        }
    }

    private static void checkPort(String attribute, int p) {
        if (p < 1 || p > 65535) {
            throw bad(attribute, p, "1 to 65535");
        }
    }

    private static void positive(String attribute, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw bad(attribute, d, "positive");
        }
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]")) {
            return true;
        }
        if (!h.matches("[0-9.:\\[\\]a-f]+")) {
            return false; // a name: not resolved here (that may block); treated as not loopback
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static IllegalArgumentException bad(String attribute, Object value, String expected) {
        return new IllegalArgumentException("cluster configuration: " + attribute + " = '" + value + "' is invalid: expected "
                + expected);
    }
}
