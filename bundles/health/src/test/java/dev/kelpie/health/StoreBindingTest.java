package dev.kelpie.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * With the cluster on, two state stores are offered (the MVStore and the cluster's replicated store): the
 * store check's DS description picks one by a target filter (the MVStore by default, {@code store.target} of
 * {@code dev.kelpie.health} otherwise), not whichever SCR offers first.
 */
class StoreBindingTest {
    @Test
    void theStoreCheckBindsTheStoreItsConfigurationNamesAndTheMvStoreWithoutOne() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("OSGI-INF/dev.kelpie.health.StoreWritableCheck.xml")) {
            assertThat(in).isNotNull();
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Element component = f.newDocumentBuilder().parse(in).getDocumentElement();
            assertThat(component.getAttribute("configuration-pid")).isEqualTo(HealthSettings.PID);
            NodeList refs = component.getElementsByTagName("reference");
            assertThat(refs.getLength()).isEqualTo(1);
            Element store = (Element) refs.item(0);
            assertThat(store.getAttribute("interface")).isEqualTo("dev.kelpie.api.state.StateStore");
            assertThat(store.getAttribute("name")).as("its target property is store.target").isEqualTo("store");
            assertThat(store.getAttribute("target")).isEqualTo("(kelpie.store.name=mvstore)");
        }
    }
}
