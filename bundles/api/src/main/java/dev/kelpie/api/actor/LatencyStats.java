package dev.kelpie.api.actor;

/**
 * A latency distribution recorded so far.
 *
 * @param count how many were recorded
 * @param p50Micros median, in microseconds
 * @param p99Micros 99th percentile
 * @param p999Micros 99.9th percentile
 * @param maxMicros largest
 */
public record LatencyStats(long count, long p50Micros, long p99Micros, long p999Micros, long maxMicros) {}
