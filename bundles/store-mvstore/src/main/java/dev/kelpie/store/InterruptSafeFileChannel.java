package dev.kelpie.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A {@link FileChannel} that an interrupt cannot close.
 *
 * <p>The JDK's own file channels are interruptible: when a thread is interrupted while it reads, writes or
 * forces through one (or enters such a call with its interrupt flag set), the channel is closed for every
 * thread. The state store is shared by all actors and the runtime interrupts an actor's turn when it runs
 * past its timeout, so with a JDK channel one timed-out turn that happened to read state would leave every
 * other actor failing with {@code ClosedChannelException} until a restart. This channel does its I/O
 * through a {@link RandomAccessFile}, whose calls ignore interrupts: the interrupted thread's read or write
 * completes and its interrupt flag stays set for whoever checks it next.
 *
 * <p>{@code RandomAccessFile} has no positional calls, so a seek and the read or write after it are done
 * under this channel's monitor. Only what the store needs is supported: positional and relative reads
 * and writes of one buffer, size, truncate, force and locking; mapping and transfers are not.
 */
final class InterruptSafeFileChannel extends FileChannel {
    private final RandomAccessFile file;
    private final boolean readOnly;
    private long position;

    private InterruptSafeFileChannel(RandomAccessFile file, boolean readOnly) {
        this.file = file;
        this.readOnly = readOnly;
    }

    /** Opens the file for reading, or for reading and writing (creating it), as a channel. */
    static InterruptSafeFileChannel open(Path path, boolean readOnly) throws IOException {
        return new InterruptSafeFileChannel(new RandomAccessFile(path.toFile(), readOnly ? "r" : "rw"), readOnly);
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureOpen();
        int wanted = dst.remaining();
        if (wanted == 0) {
            return 0;
        }
        int n;
        synchronized (this) {
            file.seek(pos); // past the end, the read answers -1
            if (dst.hasArray()) {
                n = file.read(dst.array(), dst.arrayOffset() + dst.position(), wanted);
                if (n > 0) {
                    dst.position(dst.position() + n);
                }
            } else {
                byte[] tmp = new byte[wanted];
                n = file.read(tmp, 0, wanted);
                if (n > 0) {
                    dst.put(tmp, 0, n);
                }
            }
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureOpen();
        if (readOnly) {
            throw new NonWritableChannelException();
        }
        int n = src.remaining();
        synchronized (this) {
            file.seek(pos);
            if (src.hasArray()) {
                file.write(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.position() + n);
            } else {
                byte[] tmp = new byte[n];
                src.get(tmp);
                file.write(tmp, 0, n);
            }
        }
        return n;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        int n = write(src, position);
        position += n;
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) {
        throw new UnsupportedOperationException("scattering reads");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new UnsupportedOperationException("gathering writes");
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        ensureOpen();
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return file.length();
    }

    @Override
    public synchronized FileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        ensureOpen();
        if (readOnly) {
            throw new NonWritableChannelException();
        }
        if (size < file.length()) {
            file.setLength(size);
        }
        position = Math.min(position, size);
        return this;
    }

    /** fsyncs the file (data and metadata: {@link java.io.FileDescriptor#sync()} makes no difference). */
    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        file.getFD().sync();
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) {
        throw new UnsupportedOperationException("transferTo");
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw new UnsupportedOperationException("transferFrom");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException("memory mapping");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException("blocking locks; use tryLock");
    }

    /**
     * Tries to lock the file through the {@code RandomAccessFile}'s own channel (the same file descriptor:
     * POSIX drops a process's lock when any descriptor of the file is closed). That one call is
     * interruptible, and an interrupt during it would close the file, so the caller's interrupt flag is
     * put aside for it and restored after; it is made once, when the store opens, before anyone else can
     * use the channel.
     */
    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        boolean interrupted = Thread.interrupted();
        try {
            return file.getChannel().tryLock(position, size, shared);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    protected void implCloseChannel() throws IOException {
        file.close();
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }
}
