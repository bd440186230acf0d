package dev.kelpie.registry;

import dev.kelpie.api.module.ModuleHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The on-disk cache of compiled modules: one file per module and compiler, {@code <sha256>-<compiler>.code},
 * holding a {@link CompiledCode} envelope. A restart loads the classes from it instead of compiling.
 *
 * <ul>
 *   <li>Nothing read is trusted: an entry whose checksum, module hash or compiler identity does not hold
 *       is refused (logged, deleted) and the module is compiled and the entry written again.
 *   <li>Writers never expose a partial file: each writes a temporary file of its own in the directory and
 *       moves it into place atomically, so two runtimes sharing a data directory (or two threads) at worst
 *       both write the same entry, and a reader sees either no entry or a whole one.
 *   <li>The directory is kept under a size cap: after a write, the least recently used entries go.
 * </ul>
 */
public final class CompileCache {
    private static final System.Logger LOG = System.getLogger("kelpie.registry");
    static final String SUFFIX = ".code";
    static final String TEMP_SUFFIX = ".tmp";
    /** Temporary files older than this are a crashed writer's: removed when a cache opens. */
    private static final Duration STALE_TEMP = Duration.ofMinutes(10);

    private final Path directory;
    private final long maxBytes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    /** Test hook: runs between writing a temporary file and moving it into place. */
    volatile Runnable beforeMove = () -> { };

    /**
     * @param directory where entries live; created when missing
     * @param maxBytes the most the entries may take together; least recently used ones are removed past it
     */
    public CompileCache(Path directory, long maxBytes) {
        if (directory == null) {
            throw new IllegalArgumentException("compile cache directory is required");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("compile cache max bytes must be positive, was " + maxBytes);
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        removeStaleTemporaries();
    }

    public Path directory() {
        return directory;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Entries loaded and trusted. */
    public long hits() {
        return hits.get();
    }

    /** Lookups that found no entry. */
    public long misses() {
        return misses.get();
    }

    /** Entries found but refused (damaged, truncated, another module's or another compiler's). */
    public long refused() {
        return refused.get();
    }

    /** Entries written. */
    public long writes() {
        return writes.get();
    }

    /** The file of a module's entry for a compiler identity. */
    Path entry(ModuleHash module, String identity) {
        return directory.resolve(module.hex() + "-" + tag(identity) + SUFFIX);
    }

    /** The module's compiled classes, or null when there is no trustworthy entry (then compile and {@link #store}). */
    byte[] load(ModuleHash module, String identity) {
        Path file = entry(module, identity);
        byte[] envelope;
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                return refuse(file, "larger (" + size + " bytes) than the cache's max_bytes");
            }
            envelope = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            misses.incrementAndGet();
            return null;
        } catch (IOException | SecurityException e) {
            misses.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "compile cache: cannot read " + file + ": " + e + "; compiling");
            return null;
        }
        try {
            byte[] classes = CompiledCode.unwrap(envelope, module, identity);
            hits.incrementAndGet();
            touch(file);
            return classes;
        } catch (CompiledCode.Refused r) {
            return refuse(file, r.getMessage());
        }
    }

    /** Drops an entry whose classes would not load: it is compiled and written again. */
    void discard(ModuleHash module, String identity, String why) {
        refuse(entry(module, identity), why);
    }

    /**
     * Writes a module's entry: to a temporary file, then moved over any old one atomically. Failures are
     * logged, never thrown: the cache only saves time.
     */
    void store(ModuleHash module, String identity, byte[] classes) {
        byte[] envelope = CompiledCode.wrap(module, identity, classes);
        if (envelope.length > maxBytes) {
            LOG.log(System.Logger.Level.INFO, "compile cache: module " + module.shortHex() + " compiles to "
                    + envelope.length + " bytes, over the cache's max_bytes " + maxBytes + "; not cached");
            return;
        }
        Path file = entry(module, identity);
        Path temp = directory.resolve(file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
        try {
            Files.createDirectories(directory);
            Files.write(temp, envelope);
            beforeMove.run();
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            writes.incrementAndGet();
        } catch (IOException | SecurityException e) {
            LOG.log(System.Logger.Level.WARNING, "compile cache: cannot write " + file + ": " + e);
        } finally {
            deleteQuietly(temp);
        }
        trim();
    }

    /** Removes the least recently used entries until the rest fit under the size cap. */
    void trim() {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            files.forEach(entries::add);
        } catch (IOException | SecurityException e) {
            return;
        }
        record Sized(Path path, long size, FileTime used) {}
        List<Sized> sized = new ArrayList<>();
        long total = 0;
        for (Path p : entries) {
            try {
                Sized s = new Sized(p, Files.size(p), Files.getLastModifiedTime(p));
                sized.add(s);
                total += s.size();
            } catch (IOException e) {
                // removed by another runtime meanwhile
            }
        }
        if (total <= maxBytes) {
            return;
        }
        sized.sort(Comparator.comparing(Sized::used));
        for (Sized s : sized) {
            if (total <= maxBytes) {
                break;
            }
            deleteQuietly(s.path());
            total -= s.size();
        }
    }

    private byte[] refuse(Path file, String why) {
        refused.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "compile cache: ignoring " + file.getFileName() + ": " + why + "; compiling");
        deleteQuietly(file);
        return null;
    }

    private void removeStaleTemporaries() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        Instant stale = Instant.now().minus(STALE_TEMP);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + TEMP_SUFFIX)) {
            for (Path p : files) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(stale)) {
                        deleteQuietly(p);
                    }
                } catch (IOException e) {
                    // gone already
                }
            }
        } catch (IOException | SecurityException e) {
            // an unreadable directory shows when the first entry is read or written
        }
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException | SecurityException e) {
            // recency is a hint for trimming only
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException | SecurityException e) {
            // best effort
        }
    }

    private static String tag(String identity) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "compile cache " + directory + " (max " + maxBytes + " bytes)";
    }
}
