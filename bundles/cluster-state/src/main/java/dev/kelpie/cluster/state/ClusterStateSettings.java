package dev.kelpie.cluster.state;

import java.time.Duration;

/**
 * Settings of the {@link ClusteredStateStore}.
 *
 * @param backupCount synchronous backups of each record (1 to 6): an acknowledged commit is in memory on
 *     1 + backupCount members (and on their local copies)
 * @param operationTimeout the bound of every Hazelcast call (open, commit, read); past it the caller gets
 *     {@link dev.kelpie.api.state.StateUnavailableException} and the outcome is unknown
 * @param maxRecordBytes the largest an actor's state may grow (keys and values); a commit past it is refused
 * @param restoreTimeout how long the start may take to offer the local copy's records to the map
 */
public record ClusterStateSettings(int backupCount, Duration operationTimeout, long maxRecordBytes,
        Duration restoreTimeout) {
    public static final int DEFAULT_BACKUP_COUNT = 1;
    public static final long DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_MAX_RECORD_BYTES = 16L << 20;
    public static final long DEFAULT_RESTORE_TIMEOUT_MS = 120_000;
    public static final ClusterStateSettings DEFAULTS = new ClusterStateSettings(DEFAULT_BACKUP_COUNT,
            Duration.ofMillis(DEFAULT_OPERATION_TIMEOUT_MS), DEFAULT_MAX_RECORD_BYTES,
            Duration.ofMillis(DEFAULT_RESTORE_TIMEOUT_MS));

    public ClusterStateSettings {
        if (backupCount < 1 || backupCount > 6) {
            throw new IllegalArgumentException("backup_count is " + backupCount + "; it must be 1 to 6 (a record must "
                    + "be on at least two members to survive one member's death; Hazelcast allows at most 6 backups)");
        }
        if (operationTimeout == null || operationTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("operation_timeout_ms is " + (operationTimeout == null ? null
                    : operationTimeout.toMillis()) + "; it must be 1 or more");
        }
        if (maxRecordBytes < 1024) {
            throw new IllegalArgumentException("max_record_bytes is " + maxRecordBytes + "; it must be 1024 or more");
        }
        if (restoreTimeout == null || restoreTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("restore_timeout_ms must be 1 or more");
        }
    }

    public ClusterStateSettings withBackupCount(int n) {
        return new ClusterStateSettings(n, operationTimeout, maxRecordBytes, restoreTimeout);
    }

    public ClusterStateSettings withOperationTimeout(Duration d) {
        return new ClusterStateSettings(backupCount, d, maxRecordBytes, restoreTimeout);
    }

    public ClusterStateSettings withMaxRecordBytes(long n) {
        return new ClusterStateSettings(backupCount, operationTimeout, n, restoreTimeout);
    }
}
