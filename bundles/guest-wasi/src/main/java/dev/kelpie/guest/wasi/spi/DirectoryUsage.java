package dev.kelpie.guest.wasi.spi;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the regular files of one guest directory hold, shared by every instance bound to it (all the
 * actors of a type, and of any type given the same directory), so that a quota holds across them. It is
 * counted once, when the directory is first bound in this JVM (walking it without following links), and
 * then kept up to date by the WASI functions that change it: a write reserves its length before it runs
 * and settles to the file's real growth after; truncation, unlinking and renaming over a file give bytes
 * back. Changes made on the host side meanwhile are not seen until the next start.
 */
final class DirectoryUsage {
    private static final ConcurrentMap<Path, DirectoryUsage> ALL = new ConcurrentHashMap<>();

    private final AtomicLong used;

    private DirectoryUsage(long used) {
        this.used = new AtomicLong(used);
    }

    /** The usage of a directory, given as its real path. */
    static DirectoryUsage of(Path realDirectory) {
        return ALL.computeIfAbsent(realDirectory, d -> new DirectoryUsage(measure(d)));
    }

    /** Bytes held now. */
    long used() {
        return used.get();
    }

    /** Takes {@code bytes} if the usage stays within {@code quota}; false (nothing taken) otherwise. */
    boolean reserve(long bytes, long quota) {
        for (;;) {
            long now = used.get();
            if (bytes > quota - now) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Adds (or with a negative value gives back) bytes, never going below zero. */
    void add(long bytes) {
        used.updateAndGet(n -> Math.max(0, n + bytes));
    }

    private static long measure(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // counted what could be read
        }
        return total[0];
    }
}
