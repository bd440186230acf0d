package dev.kelpie.metrics;

import java.util.List;
import java.util.Map;

/**
 * One metric family as Prometheus names it: a name ({@code kelpie_...}), its type ({@code counter},
 * {@code gauge} or {@code summary}), a help line and its samples.
 *
 * @param name the family's name; a counter's ends in {@code _total}
 * @param type {@code counter}, {@code gauge} or {@code summary}
 * @param help one line saying what it counts, and in what unit
 * @param samples its samples
 */
record Metric(String name, String type, String help, List<Sample> samples) {
    Metric {
        samples = List.copyOf(samples);
    }

    /**
     * One sample.
     *
     * @param suffix appended to the family's name ({@code ""}, or {@code _count} of a summary)
     * @param labels label names to values, in the order they are written
     * @param value the value
     */
    record Sample(String suffix, Map<String, String> labels, double value) {}
}
