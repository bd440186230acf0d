package dev.kelpie.guest.wasi.spi;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The checks in front of Chicory's file functions that confine a guest to its one directory. Chicory's
 * {@code WasiPreview1} serves the directory (preopened at fd 3), but it has no read-only mode, follows
 * symbolic links wherever they point, and bounds neither open files nor bytes written. So every WASI
 * function that takes a path or changes a file comes here first:
 * <ul>
 *   <li>a path is refused with {@code ENOTCAPABLE} when it is absolute, has a {@code ..} segment, or
 *       crosses a symbolic link anywhere between the directory and its last segment (the link itself
 *       included): each existing segment is looked at without following links. Guests cannot make links
 *       ({@code path_symlink} and {@code path_link} answer {@code ENOTCAPABLE}), so a link can only come
 *       from the host side, and it is never followed;</li>
 *   <li>in a read-only directory, everything that would change it answers {@code EROFS}: opening with
 *       {@code O_CREAT}, {@code O_TRUNC}, append or write rights, creating, removing and renaming, setting
 *       sizes and times; {@code fd_write} to a file answers {@code EBADF};</li>
 *   <li>in a writable directory, the bytes its files hold are bounded by a quota ({@link DirectoryUsage}):
 *       a write or a growth past it answers {@code EDQUOT};</li>
 *   <li>an instance holds at most {@link WasiSettings#maxOpenFiles()} open files and directories
 *       ({@code EMFILE}).</li>
 * </ul>
 * To know which directory a descriptor stands for, it keeps its own table of the descriptors opened in
 * the directory ({@code path_open}, {@code fd_close}, {@code fd_renumber}); a descriptor it does not know
 * is not a directory a path may start from ({@code EBADF}). A file's size and position are asked of
 * Chicory through the descriptor, never through its path (which a rename may have changed). It also
 * does {@code path_rename} and {@code fd_readdir} itself (Chicory's rename fails on Linux, its listing
 * stats through links). One instance runs one call at a time, so the table needs no lock.
 */
final class ConfinedFiles {
    static final int PREOPENED_FD = 3;
    /** Longest path a guest may pass, in bytes. */
    static final int MAX_PATH_BYTES = 4096;

    static final int EBADF = 8;
    static final int EBUSY = 10;
    static final int EDQUOT = 19;
    static final int EEXIST = 20;
    static final int EFAULT = 21;
    static final int EINVAL = 28;
    static final int EIO = 29;
    static final int EISDIR = 31;
    static final int EMFILE = 33;
    static final int ENAMETOOLONG = 37;
    static final int ENOENT = 44;
    static final int ENOTDIR = 54;
    static final int ENOTEMPTY = 55;
    static final int ENOTSUP = 58;
    static final int EROFS = 69;
    static final int EXDEV = 75;
    static final int ENOTCAPABLE = 76;

    private static final long OFLAG_CREAT = 1;
    private static final long OFLAG_TRUNC = 8;
    private static final long FDFLAG_APPEND = 1;
    private static final long RIGHT_FD_WRITE = 1L << 6;
    private static final long RIGHT_FD_ALLOCATE = 1L << 8;
    private static final long RIGHT_FD_FILESTAT_SET_SIZE = 1L << 22;
    private static final int WHENCE_SET = 0;
    private static final int WHENCE_END = 2;
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    /** Where Chicory answers {@link #sizeAndPosition}: one page per thread that runs guests with a writable directory. */
    private static final ThreadLocal<Memory> SCRATCH =
            ThreadLocal.withInitial(() -> new ByteArrayMemory(new MemoryLimits(1, 1)));

    /** A descriptor opened in the directory. */
    private record Open(Path path, boolean directory) {}

    /** An errno answer, thrown from deep in a check. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        Refused(int errno) {
            super(null, null, false, false);
            this.errno = errno;
        }
    }

    private final WasiPreview1 wasi;
    private final Path root;
    private final boolean writable;
    private final long quota;
    private final DirectoryUsage usage;
    private final int maxOpenFiles;
    private final Map<Integer, Open> open = new HashMap<>();

    /**
     * @param wasi the Chicory WASI state serving the directory
     * @param root the directory's real path (no links in it), or null for no directory
     * @param writable whether the guest may change it
     * @param quota bytes its files may hold when writable
     */
    ConfinedFiles(WasiPreview1 wasi, Path root, boolean writable, long quota, int maxOpenFiles) {
        this.wasi = wasi;
        this.root = root;
        this.writable = writable;
        this.quota = quota;
        this.maxOpenFiles = maxOpenFiles;
        this.usage = root != null && writable ? DirectoryUsage.of(root) : null;
        if (root != null) {
            open.put(PREOPENED_FD, new Open(root, true));
        }
    }

    // ---- descriptors ----

    long[] fdClose(Instance instance, long[] args, WasmFunctionHandle chicory) {
        long[] rc = chicory.apply(instance, args);
        if (rc[0] == 0) {
            open.remove((int) args[0]);
        }
        return rc;
    }

    long[] fdRenumber(Instance instance, long[] args, WasmFunctionHandle chicory) {
        long[] rc = chicory.apply(instance, args);
        if (rc[0] == 0 && args[0] != args[1]) {
            Open moved = open.remove((int) args[0]);
            if (moved != null) {
                open.put((int) args[1], moved);
            } else {
                open.remove((int) args[1]);
            }
        }
        return rc;
    }

    // ---- paths ----

    /** path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd_ptr). */
    long[] pathOpen(Instance instance, long[] args, WasmFunctionHandle chicory) {
        try {
            Memory memory = instance.memory();
            long fdPtr = WasiFunctions.u32(args[8]);
            if (!WasiFunctions.inBounds(memory, fdPtr, 4)) {
                return result(EFAULT);
            }
            Path target = confine(memory, args[0], args[2], args[3]);
            boolean changes = (args[4] & (OFLAG_CREAT | OFLAG_TRUNC)) != 0 || (args[7] & FDFLAG_APPEND) != 0
                    || (args[5] & (RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE)) != 0;
            checkWritable(changes);
            if (open.size() - 1 >= maxOpenFiles) {
                return result(EMFILE);
            }
            long truncated = (args[4] & OFLAG_TRUNC) != 0 ? regularFileSize(target) : 0;
            long[] rc = chicory.apply(instance, args);
            if (rc[0] == 0) {
                int fd = memory.readInt((int) fdPtr);
                open.put(fd, new Open(target, Files.isDirectory(target, NOFOLLOW)));
                if (usage != null) {
                    usage.add(-truncated);
                }
            }
            return rc;
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /** path_create_directory(fd, path, len), path_remove_directory(fd, path, len); the directory itself stays. */
    long[] pathChange(Instance instance, long[] args, WasmFunctionHandle chicory) {
        try {
            Path target = confine(instance.memory(), args[0], args[1], args[2]);
            checkWritable(true);
            if (target.equals(root)) {
                return result(EBUSY);
            }
            return chicory.apply(instance, args);
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /** path_unlink_file(fd, path, len): gives the file's bytes back. */
    long[] pathUnlinkFile(Instance instance, long[] args, WasmFunctionHandle chicory) {
        try {
            Path target = confine(instance.memory(), args[0], args[1], args[2]);
            checkWritable(true);
            long size = regularFileSize(target);
            long[] rc = chicory.apply(instance, args);
            if (rc[0] == 0) {
                usage.add(-size);
            }
            return rc;
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /**
     * path_rename(fd, old, old_len, new_fd, new, new_len), done here: Chicory's asks the JDK for an atomic
     * move that also copies attributes, which the JDK refuses on Linux (so Chicory answers ENOTSUP to every
     * rename). A file renamed over gives its bytes back.
     */
    long[] pathRename(Instance instance, long[] args, WasmFunctionHandle chicory) {
        try {
            Path from = confine(instance.memory(), args[0], args[1], args[2]);
            Path to = confine(instance.memory(), args[3], args[4], args[5]);
            checkWritable(true);
            if (from.equals(root) || to.equals(root)) {
                return result(EBUSY);
            }
            if (Files.isDirectory(from, NOFOLLOW) && Files.isRegularFile(to, NOFOLLOW)) {
                return result(ENOTDIR);
            }
            if (Files.isRegularFile(from, NOFOLLOW) && Files.isDirectory(to, NOFOLLOW)) {
                return result(EISDIR);
            }
            long replaced = regularFileSize(to);
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces an existing file
            } catch (NoSuchFileException e) {
                return result(ENOENT);
            } catch (DirectoryNotEmptyException e) {
                return result(ENOTEMPTY);
            } catch (FileAlreadyExistsException e) {
                return result(EEXIST);
            } catch (AtomicMoveNotSupportedException e) {
                return result(EXDEV);
            } catch (IOException e) {
                return result(EIO);
            }
            usage.add(-replaced);
            return result(0);
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /** path_filestat_get(fd, flags, path, len, buf), path_readlink(fd, path, len, ...) with {@code at} 1. */
    long[] pathRead(Instance instance, long[] args, WasmFunctionHandle chicory, int at) {
        try {
            confine(instance.memory(), args[0], args[at], args[at + 1]);
            return chicory.apply(instance, args);
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /** path_filestat_set_times(fd, flags, path, len, atim, mtim, fst_flags). */
    long[] pathFilestatSetTimes(Instance instance, long[] args, WasmFunctionHandle chicory) {
        try {
            confine(instance.memory(), args[0], args[2], args[3]);
            checkWritable(true);
            return chicory.apply(instance, args);
        } catch (Refused e) {
            return result(e.errno);
        }
    }

    /** path_symlink and path_link: links are not offered (they could point anywhere, or share bytes). */
    static long[] links() {
        return result(ENOTCAPABLE);
    }

    /**
     * fd_readdir(fd, buf, buf_len, cookie, bufused_ptr) on a directory opened here: Chicory's stats each
     * entry following links (the kind and inode of whatever a link points to); this one does not. The
     * cookie is the index of the next entry ({@code .} and {@code ..} first); a listing is read lazily, as
     * far as the buffer goes.
     */
    long[] fdReaddir(Instance instance, long[] args, WasmFunctionHandle chicory) {
        Open dir = open.get((int) args[0]);
        if (dir == null || !dir.directory) {
            return chicory.apply(instance, args);
        }
        Memory memory = instance.memory();
        long buf = WasiFunctions.u32(args[1]);
        long bufLen = WasiFunctions.u32(args[2]);
        long cookie = args[3];
        long usedPtr = WasiFunctions.u32(args[4]);
        if (!WasiFunctions.inBounds(memory, buf, bufLen) || !WasiFunctions.inBounds(memory, usedPtr, 4)) {
            return result(EFAULT);
        }
        if (cookie < 0) {
            return result(EINVAL);
        }
        try {
            checkNoLinks(dir.path);
        } catch (Refused e) {
            return result(e.errno);
        }
        long used = 0;
        long index = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.path)) {
            Iterator<Path> names = entries.iterator();
            while (used < bufLen) {
                Path entry;
                byte[] name;
                if (index < 2) {
                    // the directory's parent is not the guest's business: ".." of the top stands for itself
                    entry = index == 0 || dir.path.equals(root) ? dir.path : dir.path.getParent();
                    name = (index == 0 ? "." : "..").getBytes(StandardCharsets.UTF_8);
                } else if (names.hasNext()) {
                    entry = names.next();
                    name = entry.getFileName().toString().getBytes(StandardCharsets.UTF_8);
                } else {
                    break;
                }
                index++;
                if (index <= cookie) {
                    continue;
                }
                ByteBuffer dirent = ByteBuffer.allocate(24 + name.length).order(ByteOrder.LITTLE_ENDIAN);
                dirent.putLong(0, index);
                dirent.putLong(8, inode(entry));
                dirent.putInt(16, name.length);
                dirent.put(20, fileType(entry));
                dirent.position(24);
                dirent.put(name);
                int n = (int) Math.min(dirent.capacity(), bufLen - used);
                memory.write((int) (buf + used), dirent.array(), 0, n);
                used += n;
            }
        } catch (NoSuchFileException e) {
            return result(ENOENT);
        } catch (IOException | DirectoryIteratorException e) {
            return result(EIO);
        }
        memory.writeI32((int) usedPtr, (int) used);
        return result(0);
    }

    private static long inode(Path entry) {
        try {
            Object ino = Files.getAttribute(entry, "unix:ino", NOFOLLOW);
            return ino instanceof Number ? ((Number) ino).longValue() : 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    /** The WASI file type, without following a link: directory 3, regular file 4, link 7, else 0. */
    private static byte fileType(Path entry) {
        try {
            BasicFileAttributes a = Files.readAttributes(entry, BasicFileAttributes.class, NOFOLLOW);
            return (byte) (a.isSymbolicLink() ? 7 : a.isDirectory() ? 3 : a.isRegularFile() ? 4 : 0);
        } catch (IOException e) {
            return 0;
        }
    }

    // ---- changing files through a descriptor ----

    /**
     * fd_write ({@code pwrite} false) and fd_pwrite to a descriptor other than stdout and stderr (iovecs
     * already checked): to a file of a writable directory within its quota, else refused; other descriptors
     * go to Chicory as they are.
     */
    long[] fdWrite(Instance instance, long[] args, WasmFunctionHandle chicory, boolean pwrite) {
        Open file = open.get((int) args[0]);
        if (file == null || file.directory) {
            return chicory.apply(instance, args);
        }
        if (!writable) {
            return result(EBADF);
        }
        Memory memory = instance.memory();
        long iovs = WasiFunctions.u32(args[1]);
        long length = 0;
        for (int i = 0; i < WasiFunctions.u32(args[2]); i++) {
            length += WasiFunctions.u32(memory.readInt((int) (iovs + 8L * i + 4)));
        }
        long[] sizeAndPosition = sizeAndPosition((int) args[0]);
        if (sizeAndPosition == null) {
            return chicory.apply(instance, args);
        }
        long size = sizeAndPosition[0];
        long at = pwrite ? args[3] : sizeAndPosition[1];
        // at least the write's length (an append ignores the position), more when it leaves a hole
        long growth = at < 0 || at > quota ? Long.MAX_VALUE : Math.max(length, at + length - size);
        return growing(instance, args, chicory, size, growth);
    }

    /** fd_filestat_set_size(fd, size). */
    long[] fdSetSize(Instance instance, long[] args, WasmFunctionHandle chicory) {
        Open file = open.get((int) args[0]);
        if (file == null || file.directory) {
            return chicory.apply(instance, args);
        }
        if (!writable) {
            return result(EROFS);
        }
        long[] sizeAndPosition = sizeAndPosition((int) args[0]);
        if (sizeAndPosition == null) {
            return chicory.apply(instance, args);
        }
        long size = sizeAndPosition[0];
        long growth = args[1] < 0 || args[1] > quota ? Long.MAX_VALUE : Math.max(0, args[1] - size);
        return growing(instance, args, chicory, size, growth);
    }

    /** fd_allocate: read-only, EROFS; else not offered (ENOTSUP), as a growth without a write. */
    long[] fdAllocate(Instance instance, long[] args, WasmFunctionHandle chicory) {
        Open file = open.get((int) args[0]);
        if (file == null || file.directory) {
            return chicory.apply(instance, args);
        }
        return result(writable ? ENOTSUP : EROFS);
    }

    /** fd_filestat_set_times(fd, ...) on a file or directory of a read-only directory: EROFS. */
    long[] fdSetTimes(Instance instance, long[] args, WasmFunctionHandle chicory) {
        if (open.containsKey((int) args[0]) && !writable) {
            return result(EROFS);
        }
        return chicory.apply(instance, args);
    }

    /**
     * Reserves {@code growth} bytes of the quota (EDQUOT when they do not fit), runs the change, then
     * settles to the file's real growth, measured through the descriptor (its path may have been renamed).
     */
    private long[] growing(Instance instance, long[] args, WasmFunctionHandle chicory, long sizeBefore, long growth) {
        if (!usage.reserve(growth, quota)) {
            return result(EDQUOT);
        }
        long sizeAfter = sizeBefore;
        try {
            long[] rc = chicory.apply(instance, args);
            long[] now = sizeAndPosition((int) args[0]);
            sizeAfter = now == null ? sizeBefore + growth : now[0];
            return rc;
        } finally {
            usage.add(sizeAfter - sizeBefore - growth);
        }
    }

    /**
     * The size and position of an open file, asked of Chicory through the descriptor ({@code fd_tell},
     * {@code fd_seek} to the end and back, answered into a scratch memory, not the guest's); null when
     * Chicory cannot tell.
     */
    private long[] sizeAndPosition(int fd) {
        Memory scratch = SCRATCH.get();
        if (wasi.fdTell(scratch, fd, 0) != 0) {
            return null;
        }
        long position = scratch.readLong(0);
        if (wasi.fdSeek(scratch, fd, 0, WHENCE_END, 0) != 0) {
            return null;
        }
        long size = scratch.readLong(0);
        if (wasi.fdSeek(scratch, fd, position, WHENCE_SET, 0) != 0) {
            return null;
        }
        return new long[] {size, position};
    }

    // ---- the checks ----

    /**
     * The host path a guest path names, relative to the directory descriptor {@code fd}: refused when the
     * descriptor is not a directory opened here (EBADF, ENOTDIR), the path is out of memory (EFAULT), too
     * long (ENAMETOOLONG), not text or has a NUL (EINVAL), is absolute, has a {@code ..} segment or crosses
     * a symbolic link (ENOTCAPABLE).
     */
    private Path confine(Memory memory, long fd, long ptr, long len) throws Refused {
        Open dir = open.get((int) fd);
        if (dir == null) {
            throw new Refused(EBADF);
        }
        if (!dir.directory) {
            throw new Refused(ENOTDIR);
        }
        String path = readPath(memory, WasiFunctions.u32(ptr), WasiFunctions.u32(len));
        if (path.startsWith("/")) {
            throw new Refused(ENOTCAPABLE);
        }
        Path target = dir.path;
        try {
            for (String segment : path.split("/")) {
                if (segment.equals("..")) {
                    throw new Refused(ENOTCAPABLE);
                }
                if (!segment.isEmpty() && !segment.equals(".")) {
                    target = target.resolve(segment);
                }
            }
        } catch (InvalidPathException e) {
            throw new Refused(EINVAL);
        }
        checkNoLinks(target);
        return target;
    }

    /** Refuses (ENOTCAPABLE) a path outside the directory, or one whose existing part crosses a link. */
    private void checkNoLinks(Path target) throws Refused {
        if (!target.startsWith(root)) {
            throw new Refused(ENOTCAPABLE);
        }
        Path walked = root;
        for (Path segment : root.relativize(target)) {
            walked = walked.resolve(segment);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(walked, BasicFileAttributes.class, NOFOLLOW);
            } catch (NoSuchFileException e) {
                break; // nothing further exists, so no link further either
            } catch (IOException e) {
                throw new Refused(EIO);
            }
            if (attributes.isSymbolicLink()) {
                throw new Refused(ENOTCAPABLE);
            }
        }
    }

    private static String readPath(Memory memory, long ptr, long len) throws Refused {
        if (len > MAX_PATH_BYTES) {
            throw new Refused(ENAMETOOLONG);
        }
        if (!WasiFunctions.inBounds(memory, ptr, len)) {
            throw new Refused(EFAULT);
        }
        byte[] bytes = memory.readBytes((int) ptr, (int) len);
        for (byte b : bytes) {
            if (b == 0) {
                throw new Refused(EINVAL);
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void checkWritable(boolean changes) throws Refused {
        if (changes && !writable) {
            throw new Refused(EROFS);
        }
    }

    /** The size of a regular file (not following a link), 0 for anything else or nothing. */
    private static long regularFileSize(Path path) throws Refused {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
            return a.isRegularFile() ? a.size() : 0;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new Refused(EIO);
        }
    }

    private static long regularFileSizeQuietly(Path path) {
        try {
            return regularFileSize(path);
        } catch (Refused e) {
            return 0;
        }
    }

    private static long[] result(int errno) {
        return new long[] {errno};
    }
}
