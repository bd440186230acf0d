package dev.kelpie.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Hazelcast configuration of a Kelpie member: TCP-IP join with the explicit member list (multicast and
 * auto-detection off), bound to the configured host only, no phone-home, JDK logging, no shutdown hook (the
 * member is closed by its owner), and the executor {@value #CALLS} that runs routed messages.
 */
final class HazelcastConfigs {
    /** The executor routed messages run on. */
    static final String CALLS = "kelpie.calls";

    private HazelcastConfigs() {
    }

    /**
     * @param classLoader the loader Hazelcast resolves Kelpie's serialized tasks with (in OSGi: this
     *     bundle's; Hazelcast's own classes come from its own bundle)
     */
    static Config member(ClusterSettings s, ClassLoader classLoader) {
        Config c = new Config();
        c.setClusterName(s.name());
        c.setInstanceName("kelpie-" + s.name() + "-" + s.host() + "-" + s.port());
        c.setClassLoader(classLoader);
        c.setUserContext(new ConcurrentHashMap<>());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", Long.toString(s.joinWait().toSeconds()));
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(s.failureDetection().toSeconds()));
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", Long.toString(s.shutdownTimeout().toSeconds()));
        c.setProperty("hazelcast.partition.migration.timeout", Long.toString(Math.max(5, s.failureDetection().toSeconds())));
        c.getJetConfig().setEnabled(false);
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(s.port()).setPortAutoIncrement(false);
        n.setPublicAddress(s.address());
        n.getInterfaces().setEnabled(true).addInterface(interfaceOf(s.host()));
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setMembers(s.members())
                .setConnectionTimeoutSeconds((int) Math.max(1, Math.min(5, s.startTimeout().toSeconds() / 4)));
        c.getExecutorConfig(CALLS).setPoolSize(s.callThreads()).setQueueCapacity(s.callQueueCapacity())
                .setStatisticsEnabled(false);
        return c;
    }

    /** Hazelcast matches interfaces by IP address: a host name is resolved once, here. */
    private static String interfaceOf(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return "127.0.0.1";
        }
        try {
            return java.net.InetAddress.getByName(host).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("cluster configuration: host = '" + host + "' is invalid: it does not resolve");
        }
    }
}
