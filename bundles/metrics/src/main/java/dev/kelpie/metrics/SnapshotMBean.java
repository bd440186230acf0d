package dev.kelpie.metrics;

import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;

/**
 * A read-only MBean whose attributes are the numbers of the last metrics snapshot for one actor type, one
 * module or the runtime ({@code double} each, named after the Prometheus series without {@code kelpie_}).
 */
final class SnapshotMBean implements DynamicMBean {
    private final String description;
    private volatile Map<String, Double> values;

    SnapshotMBean(String description, Map<String, Double> values) {
        this.description = description;
        this.values = Map.copyOf(values);
    }

    void update(Map<String, Double> newValues) {
        this.values = Map.copyOf(newValues);
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        Double v = values.get(attribute);
        if (v == null) {
            throw new AttributeNotFoundException("no attribute '" + attribute + "' in " + description);
        }
        return v;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("the attributes of " + description + " are read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        Map<String, Double> now = values;
        AttributeList out = new AttributeList();
        for (String a : attributes) {
            Double v = now.get(a);
            if (v != null) {
                out.add(new Attribute(a, v));
            }
        }
        return out;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), description + " has no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanAttributeInfo[] attributes = values.keySet().stream().sorted()
                .map(n -> new MBeanAttributeInfo(n, "double", n, true, false, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(SnapshotMBean.class.getName(), description, attributes, null, null, null);
    }
}
