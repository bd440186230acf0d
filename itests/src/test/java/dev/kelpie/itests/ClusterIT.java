package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.cluster.ActorRouter;
import dev.kelpie.api.cluster.ClusterView;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The cluster bundle in Felix: with {@code dev.kelpie.cluster.cfg} saying {@code enabled = true} (on a free
 * port) a one-member cluster starts, registers its services, the runtime routes through it, and Hazelcast
 * loads Kelpie's serialized tasks with the cluster bundle's class loader.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ClusterIT extends KelpieTestSupport {
    static final String CLUSTER_JAR = "kelpie.itests.cluster.jar";
    static final String HAZELCAST_JAR = "kelpie.itests.hazelcast.jar";

    /** The distribution's bundles, and the cluster bundle and Hazelcast unless the distribution has them already. */
    @Override
    @Configuration
    public Option[] config() throws IOException {
        List<Option> options = new ArrayList<>(Arrays.asList(super.config()));
        List<String> names = new ArrayList<>();
        for (File f : runBundles()) {
            names.add(f.getName());
        }
        if (names.stream().noneMatch(n -> n.startsWith("hazelcast"))) {
            options.add(org.ops4j.pax.exam.CoreOptions.bundle(file(HAZELCAST_JAR).toURI().toString()));
        }
        if (names.stream().noneMatch(n -> n.startsWith("kelpie-cluster"))) {
            options.add(org.ops4j.pax.exam.CoreOptions.bundle(file(CLUSTER_JAR).toURI().toString()));
        }
        return options.toArray(new Option[0]);
    }

    @Test
    public void anEnabledMemberStartsRegistersItsServicesAndRoutes() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertTrue("no member without configuration", context.getServiceReference(ActorRouter.class) == null);
        Path deploy = Path.of(context.getProperty("felix.fileinstall.dir"));
        Files.writeString(deploy.resolve("dev.kelpie.cluster.cfg"), "enabled = true\nname = itest\nport = " + port
                + "\nmembers = 127.0.0.1:" + port + "\njoin_wait_seconds = 0\n", StandardCharsets.UTF_8);
        await("the HazelcastInstance service of cluster 'itest'", java.time.Duration.ofSeconds(60),
                () -> !services(HazelcastInstance.class, "(kelpie.cluster.name=itest)").isEmpty());
        await("the ActorRouter service", () -> context.getServiceReference(ActorRouter.class) != null);

        ServiceReference<HazelcastInstance> hzRef = services(HazelcastInstance.class, "(kelpie.cluster.name=itest)").iterator().next();
        HazelcastInstance hz = context.getService(hzRef);
        Bundle cluster = bundleNamed("dev.kelpie.cluster");
        assertSame("Hazelcast resolves Kelpie's tasks with the cluster bundle's class loader",
                cluster.adapt(BundleWiring.class).getClassLoader(), hz.getConfig().getClassLoader());
        assertEquals(1, hz.getCluster().getMembers().size());
        assertEquals("127.0.0.1:" + port, hz.getCluster().getLocalMember().getAddress().getHost() + ":"
                + hz.getCluster().getLocalMember().getAddress().getPort());

        ClusterView view = context.getService(context.getServiceReference(ClusterView.class));
        assertEquals("itest", view.name());
        assertEquals("127.0.0.1:" + port, view.ownerOf(ActorId.of("counter", "c1")).orElseThrow().address());

        installAndStart(COUNTER_JAR);
        await("type counter deployed", () -> typeDeployed("counter"));
        assertEquals("1", call("counter", "c1", "increment", ""));
        assertEquals("2", call("counter", "c1", "increment", ""));

        // kelpie:where asks the owner through Hazelcast's executor: a task serialized and loaded back in Felix
        String where = where("counter", "c1");
        assertTrue(where, where.contains("lives on member 127.0.0.1:" + port) && where.endsWith(": active"));

        // disabled again: the services go, the member leaves, the runtime runs actors single-node
        Files.writeString(deploy.resolve("dev.kelpie.cluster.cfg"), "enabled = false\n", StandardCharsets.UTF_8);
        await("the cluster's services withdrawn", () -> context.getServiceReference(ActorRouter.class) == null
                && services(HazelcastInstance.class, "(kelpie.cluster.name=itest)").isEmpty());
        await("the member stopped", () -> !hz.getLifecycleService().isRunning());
        assertEquals("3", call("counter", "c1", "increment", ""));
        Files.delete(deploy.resolve("dev.kelpie.cluster.cfg"));
    }

    private <S> Collection<ServiceReference<S>> services(Class<S> type, String filter) {
        try {
            return context.getServiceReferences(type, filter);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Runs the kelpie:where command object registered by the cluster bundle. */
    private String where(String type, String id) throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.function=where)");
        assertNotNull("kelpie:where is registered", refs);
        Object command = context.getService(refs[0]);
        Method m = command.getClass().getMethod("where", String.class, String.class);
        return (String) m.invoke(command, type, id);
    }
}
