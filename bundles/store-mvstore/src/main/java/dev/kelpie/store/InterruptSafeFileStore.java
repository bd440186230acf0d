package dev.kelpie.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.RandomAccessStore;
import org.h2.mvstore.SFChunk;

/**
 * H2 MVStore's single-file store on an {@link InterruptSafeFileChannel}: the same file format and the
 * same behaviour as MVStore's own {@code SingleFileStore} (which it follows line by line), except that
 * interrupting a thread that reads or writes through it never closes the file for the other threads.
 *
 * <p>Why not a file-system prefix: MVStore picks the channel through {@code org.h2.store.fs.FilePath},
 * and the interrupt-safe providers H2 has ({@code async:}, {@code retry:}) are in the full H2 jar only,
 * not in {@code h2-mvstore}; its bundle does not export {@code org.h2.store.fs} either, so a provider of
 * our own could not be registered from an OSGi bundle. A {@code FileStore} passed to
 * {@code MVStore.Builder.adoptFileStore} uses only the exported {@code org.h2.mvstore} package.
 *
 * <p>Encryption is not supported (the state store never asks for it).
 */
final class InterruptSafeFileStore extends RandomAccessStore {
    private final Map<String, Object> config;
    private InterruptSafeFileChannel channel;
    private FileLock fileLock;
    /** For tests in this package only: when set, {@link #sync} fails with it. */
    volatile IOException syncFailureForTests;

    InterruptSafeFileStore() {
        this(new HashMap<>());
    }

    private InterruptSafeFileStore(Map<String, Object> config) {
        super(config);
        this.config = config;
    }

    @Override
    public String toString() {
        return getFileName();
    }

    @Override
    public void open(String fileName, boolean readOnly, char[] encryptionKey) {
        if (encryptionKey != null) {
            throw new IllegalArgumentException("the interrupt-safe file store does not encrypt");
        }
        if (channel != null && channel.isOpen()) {
            return;
        }
        Path path = Path.of(fileName);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw DataUtils.newIllegalArgumentException("Directory does not exist: {0}", parent);
        }
        boolean ro = readOnly || Files.exists(path) && !Files.isWritable(path);
        init(fileName, ro);
        try {
            channel = InterruptSafeFileChannel.open(path, ro);
            FileLock lock;
            try {
                lock = channel.tryLock(0, Long.MAX_VALUE, ro);
            } catch (IOException | RuntimeException e) {
                throw DataUtils.newMVStoreException(DataUtils.ERROR_FILE_LOCKED, "The file is locked: {0}", fileName, e);
            }
            if (lock == null) {
                throw DataUtils.newMVStoreException(DataUtils.ERROR_FILE_LOCKED, "The file is locked: {0}", fileName);
            }
            fileLock = lock;
            saveChunkLock.lock();
            try {
                setSize(channel.size());
            } finally {
                saveChunkLock.unlock();
            }
        } catch (IOException e) {
            closeQuietly();
            throw DataUtils.newMVStoreException(DataUtils.ERROR_READING_FAILED, "Could not open file {0}", fileName, e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    @Override
    public InterruptSafeFileStore open(String fileName, boolean readOnly) {
        InterruptSafeFileStore other = new InterruptSafeFileStore(config);
        other.open(fileName, readOnly, null);
        return other;
    }

    @Override
    public ByteBuffer readFully(SFChunk chunk, long pos, int len) {
        return readFully(channel, pos, len);
    }

    @Override
    protected void writeFully(SFChunk chunk, long pos, ByteBuffer src) {
        int len = src.remaining();
        setSize(Math.max(super.size(), pos + len));
        DataUtils.writeFully(channel, pos, src);
        writeCount.incrementAndGet();
        writeBytes.addAndGet(len);
    }

    @Override
    public void truncate(long size) {
        writeCount.incrementAndGet();
        try {
            channel.truncate(size);
        } catch (IOException e) {
            throw DataUtils.newMVStoreException(DataUtils.ERROR_WRITING_FAILED,
                    "Could not truncate file {0} to size {1}", getFileName(), size, e);
        }
        setSize(Math.min(super.size(), size));
    }

    @Override
    public void sync() {
        if (channel != null && channel.isOpen()) {
            try {
                IOException failure = syncFailureForTests;
                if (failure != null) {
                    throw failure;
                }
                channel.force(true);
            } catch (IOException e) {
                throw DataUtils.newMVStoreException(DataUtils.ERROR_WRITING_FAILED, "Could not sync file {0}",
                        getFileName(), e);
            }
        }
    }

    @Override
    public void close() {
        try {
            if (channel != null && channel.isOpen()) {
                if (fileLock != null) {
                    fileLock.release();
                }
                channel.close();
            }
        } catch (IOException e) {
            throw DataUtils.newMVStoreException(DataUtils.ERROR_WRITING_FAILED, "Closing failed for file {0}",
                    getFileName(), e);
        } finally {
            fileLock = null;
            super.close();
        }
    }

    @Override
    public void backup(ZipOutputStream out) throws IOException {
        boolean reuse = isSpaceReused();
        setReuseSpace(false);
        try {
            out.putNextEntry(new ZipEntry(Path.of(getFileName()).getFileName().toString()));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long pos = 0;
            for (int n; (n = channel.read(buf.clear(), pos)) > 0; pos += n) {
                out.write(buf.array(), 0, n);
            }
            out.closeEntry();
        } finally {
            setReuseSpace(reuse);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // the open failed; that is the error to report
        }
    }
}
