package dev.kelpie.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.api.wapc.WapcHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** The distribution comes up wired: every Kelpie bundle active, every DS component satisfied. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WiringIT extends KelpieTestSupport {
    /** The Kelpie bundles the distribution must contain. */
    static final Set<String> KELPIE_BUNDLES = Set.of(
            "dev.kelpie.api", "dev.kelpie.chicory", "dev.kelpie.registry", "dev.kelpie.wapc",
            "dev.kelpie.store.mvstore", "dev.kelpie.guest.assemblyscript", "dev.kelpie.host.state",
            "dev.kelpie.host.log", "dev.kelpie.host.clock", "dev.kelpie.host.actors", "dev.kelpie.runtime",
            "dev.kelpie.shell", "dev.kelpie.module.extender");

    @Inject
    ServiceComponentRuntime scr;

    @Test
    public void everyKelpieBundleIsActive() {
        Set<String> found = new TreeSet<>();
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn != null && bsn.startsWith("dev.kelpie.")) {
                found.add(bsn);
                if (b.getState() != Bundle.ACTIVE) {
                    notActive.add(bsn + " is " + state(b.getState()));
                }
            }
        }
        Set<String> missing = new TreeSet<>(KELPIE_BUNDLES);
        missing.removeAll(found);
        assertTrue("Kelpie bundles missing from the distribution: " + missing + " (found " + found + ")", missing.isEmpty());
        assertTrue("Kelpie bundles not active: " + notActive, notActive.isEmpty());
        // and nothing else in the framework failed to resolve
        List<String> unresolved = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders("").get("Fragment-Host") != null;
            if (b.getState() == Bundle.INSTALLED || (!fragment && b.getState() == Bundle.RESOLVED)) {
                unresolved.add(b.getSymbolicName() + " " + b.getVersion() + " is " + state(b.getState()));
            }
        }
        assertTrue("bundles not active: " + unresolved, unresolved.isEmpty());
    }

    @Test
    public void exactlyTheRunBundlesAreInstalled() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (java.io.File jar : runBundles()) {
            expected.add(jar.toURI().toString());
        }
        String dir = new java.io.File(required(BUNDLES_DIR)).toURI().toString();
        Set<String> installedFromDir = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(dir)) {
                installedFromDir.add(b.getLocation());
            }
        }
        assertEquals("the distribution's run bundles, by file: URL", expected, installedFromDir);
    }

    @Test
    public void servicesArePublished() {
        for (Class<?> service : List.of(ActorRuntime.class, ModuleRegistry.class, WapcHost.class, StateStore.class,
                dev.kelpie.api.deploy.ModuleDeployer.class)) {
            assertNotNull(service.getName() + " is not published", context.getServiceReference(service));
        }
    }

    @Test
    public void everyKelpieComponentIsSatisfied() {
        List<String> problems = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn == null || !bsn.startsWith("dev.kelpie.")) {
                continue;
            }
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                seen.add(d.name);
                if (!scr.isComponentEnabled(d)) {
                    problems.add(d.name + " (" + bsn + ") is disabled");
                    continue;
                }
                var configurations = scr.getComponentConfigurationDTOs(d);
                if (bsn.startsWith("dev.kelpie.cluster")) {
                    // single node (no dev.kelpie.cluster configuration): the cluster's components wait for it
                    String waiting = waitingForTheCluster(d, configurations);
                    if (waiting != null) {
                        problems.add(d.name + " (" + bsn + ") " + waiting);
                    }
                    continue;
                }
                if (configurations.isEmpty()) {
                    problems.add(d.name + " (" + bsn + ") has no configuration (configuration policy "
                            + d.configurationPolicy + ")");
                }
                for (ComponentConfigurationDTO c : configurations) {
                    if (c.state != ComponentConfigurationDTO.SATISFIED && c.state != ComponentConfigurationDTO.ACTIVE) {
                        problems.add(d.name + " (" + bsn + ") is " + componentState(c.state) + unsatisfied(c)
                                + (c.failure == null ? "" : ": " + c.failure));
                    }
                }
            }
        }
        assertTrue("Kelpie components not satisfied: " + problems, problems.isEmpty());
        // the components the runtime cannot work without
        for (String name : List.of("dev.kelpie.runtime.KelpieActorRuntime", "dev.kelpie.wapc.ChicoryWapcHost",
                "dev.kelpie.extender.ModuleExtender", "dev.kelpie.shell.KelpieCommands")) {
            assertTrue(name + " is not a DS component of the distribution (components: " + seen + ")", seen.contains(name));
        }
    }

    @Test
    public void builtInHostFunctionsAndAdaptersAreThere() {
        Set<String> namespaces = wapcHost.hostFunctions().stream()
                .filter(k -> k.binding().equals("kelpie")).map(HostFunctionKey::namespace).collect(Collectors.toCollection(TreeSet::new));
        for (String ns : List.of("state", "log", "clock", "random", "actors")) {
            assertTrue("host namespace " + ns + " missing; host functions: " + wapcHost.hostFunctions(), namespaces.contains(ns));
        }
        assertTrue("state/get missing: " + wapcHost.hostFunctions(),
                wapcHost.hostFunctions().contains(new HostFunctionKey("kelpie", "state", "get")));
        assertTrue("guest adapters: " + wapcHost.guestAdapters(), wapcHost.guestAdapters().contains("assemblyscript"));
        assertTrue("guest adapters: " + wapcHost.guestAdapters(), wapcHost.guestAdapters().contains("wasi"));
        assertEquals("no module bundle is installed, so no actor type is deployed", List.of(), runtime.types());
    }

    @Test
    public void aHostFunctionServiceWhosePropertiesChangeMovesToItsNewKey() {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(dev.kelpie.api.host.HostFunction.NAMESPACE, "wiring-old");
        org.osgi.framework.ServiceRegistration<dev.kelpie.api.host.HostFunction> registration = context.registerService(
                dev.kelpie.api.host.HostFunction.class, call -> new byte[0], props);
        HostFunctionKey oldKey = new HostFunctionKey("kelpie", "wiring-old", "*");
        HostFunctionKey newKey = new HostFunctionKey("kelpie", "wiring-new", "*");
        try {
            assertTrue("registered: " + wapcHost.hostFunctions(), wapcHost.hostFunctions().contains(oldKey));
            props.put(dev.kelpie.api.host.HostFunction.NAMESPACE, "wiring-new");
            registration.setProperties(props);
            assertTrue("moved: " + wapcHost.hostFunctions(),
                    wapcHost.hostFunctions().contains(newKey) && !wapcHost.hostFunctions().contains(oldKey));
        } finally {
            registration.unregister();
        }
        assertTrue("gone: " + wapcHost.hostFunctions(),
                !wapcHost.hostFunctions().contains(newKey) && !wapcHost.hostFunctions().contains(oldKey));
    }

    static String state(int state) {
        switch (state) {
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return "state " + state;
        }
    }

    static String componentState(int state) {
        switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION: return "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: return "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.SATISFIED: return "SATISFIED";
            case ComponentConfigurationDTO.ACTIVE: return "ACTIVE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION: return "FAILED_ACTIVATION";
            default: return "state " + state;
        }
    }

    /**
     * Null when a cluster component is in the state a single node leaves it in: the member has no
     * configuration (policy require), the others wait only for the member's HazelcastInstance; else what is wrong.
     */
    static String waitingForTheCluster(ComponentDescriptionDTO d, java.util.Collection<ComponentConfigurationDTO> configurations) {
        if (configurations.isEmpty()) {
            return "require".equals(d.configurationPolicy) ? null
                    : "has no configuration (configuration policy " + d.configurationPolicy + ")";
        }
        for (ComponentConfigurationDTO c : configurations) {
            if (c.state != ComponentConfigurationDTO.UNSATISFIED_REFERENCE || c.unsatisfiedReferences == null) {
                return "is " + componentState(c.state) + " on a single node; expected to wait for the cluster member";
            }
            for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
                if (r.target == null || !r.target.contains("kelpie.cluster.name")) {
                    return "waits for something else than the cluster member:" + unsatisfied(c);
                }
            }
        }
        return null;
    }

    static String unsatisfied(ComponentConfigurationDTO c) {
        if (c.unsatisfiedReferences == null || c.unsatisfiedReferences.length == 0) {
            return "";
        }
        List<String> refs = new ArrayList<>();
        for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
            refs.add(r.name + " " + r.target);
        }
        return " (unsatisfied references: " + refs + ")";
    }
}
