package dev.kelpie.cluster.modules;

import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.module.ModuleHash;
import dev.kelpie.api.wasm.GuestEnvironment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One actor type's entry in the cluster's module map {@code kelpie.modules}, keyed by the type's name: the
 * module every member runs for it (SHA-256, name, bytes, limits, host namespaces, guest environment), or a
 * tombstone saying the type was undeployed. Each change of a type's entry has the next {@link #version}.
 *
 * <p>Stored as a plain {@code byte[]} in its own format (so no Kelpie class has to be loadable by
 * Hazelcast's serialisation); {@link #decode} checks every length and count against limits before it
 * allocates, and the module's size against the registry's size cap.
 *
 * @param type the actor type's name (the map key)
 * @param version 1 for the first entry of a type, one more for each change
 * @param origin the member that published it (host:port), for messages
 * @param module the module's SHA-256 as the registry computed it, or null for a tombstone
 * @param moduleName the name the module was installed under, or null for a tombstone
 * @param bytes the module's bytes (as installed: a WASM binary or a source a translator takes), or null for a
 *     tombstone
 * @param limits the type's limits, or null for a tombstone
 * @param hostNamespaces the host namespaces it declares besides the core ones, or null for a tombstone
 * @param environment what its WASI guests are given as the deploying member was asked for it, or null
 */
record ModuleEntry(String type, long version, String origin, ModuleHash module, String moduleName, byte[] bytes,
        ActorLimits limits, Set<String> hostNamespaces, GuestEnvironment environment) {

    private static final int FORMAT = 1;
    /** Most host namespaces, WASI arguments or variables an entry may carry. */
    static final int MAX_ITEMS = 1024;

    ModuleEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(origin, "origin");
        hostNamespaces = hostNamespaces == null ? null : Set.copyOf(hostNamespaces);
        if ((module == null) != (bytes == null)) {
            throw new IllegalArgumentException("a module entry has both a module and its bytes, or neither (a tombstone)");
        }
    }

    /** An entry deploying a module. */
    static ModuleEntry deployed(String type, long version, String origin, ModuleHash module, String moduleName,
            byte[] bytes, ActorLimits limits, Set<String> hostNamespaces, GuestEnvironment environment) {
        return new ModuleEntry(type, version, origin, Objects.requireNonNull(module, "module"),
                Objects.requireNonNull(moduleName, "module name"), Objects.requireNonNull(bytes, "bytes"),
                Objects.requireNonNull(limits, "limits"), hostNamespaces == null ? Set.of() : hostNamespaces, environment);
    }

    /** A tombstone: the type was undeployed. */
    static ModuleEntry removed(String type, long version, String origin) {
        return new ModuleEntry(type, version, origin, null, null, null, null, null, null);
    }

    boolean isTombstone() {
        return module == null;
    }

    /** {@code counter.wasm@a7796b1edeb8}, or {@code (removed)}. */
    String label() {
        return isTombstone() ? "(removed)" : moduleName + "@" + module.shortHex();
    }

    /**
     * Whether a deployed type runs what this entry says: the same module, limits and host namespaces (the guest
     * environment is not compared: a member resolves its directory under its own WASI root).
     */
    boolean describes(ActorType local) {
        if (isTombstone()) {
            return local == null || !local.isWasm();
        }
        return local != null && local.isWasm() && module.equals(local.module()) && limits.equals(local.limits())
                && hostNamespaces.equals(local.hostNamespaces() == null ? null : Set.copyOf(local.hostNamespaces()));
    }

    byte[] encode() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(bytes == null ? 128 : bytes.length + 512);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(FORMAT);
            out.writeUTF(type);
            out.writeLong(version);
            out.writeUTF(origin);
            out.writeBoolean(isTombstone());
            if (!isTombstone()) {
                out.writeUTF(module.hex());
                out.writeUTF(moduleName);
                out.writeLong(limits.invocationTimeout().toMillis());
                out.writeLong(limits.maxMemoryBytes());
                out.writeInt(limits.maxPayloadBytes());
                out.writeInt(limits.mailboxCapacity());
                out.writeLong(limits.idleTimeout().toMillis());
                writeStrings(out, List.copyOf(hostNamespaces));
                out.writeBoolean(environment != null);
                if (environment != null) {
                    writeStrings(out, environment.arguments());
                    out.writeInt(environment.variables().size());
                    for (Map.Entry<String, String> v : environment.variables().entrySet()) {
                        out.writeUTF(v.getKey());
                        out.writeUTF(v.getValue());
                    }
                    out.writeBoolean(environment.directory() != null);
                    if (environment.directory() != null) {
                        out.writeUTF(environment.directory());
                    }
                    out.writeBoolean(environment.writable());
                    out.writeLong(environment.directoryQuota());
                }
                out.writeInt(bytes.length);
                out.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return buffer.toByteArray();
    }

    /**
     * Reads an entry, refusing one whose module is larger than {@code maxModuleBytes} or whose counts exceed
     * {@link #MAX_ITEMS} before allocating for them.
     *
     * @throws IllegalArgumentException naming the map key and what is wrong
     */
    static ModuleEntry decode(String key, byte[] raw, long maxModuleBytes) {
        if (raw.length > maxModuleBytes + 64L * 1024 * 1024) {
            throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules is " + raw.length + " bytes, far over"
                    + " the module size cap of " + maxModuleBytes + " bytes");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(raw))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules has format " + format
                        + ", this member reads format " + FORMAT + " (a member of another Kelpie version?)");
            }
            String type = in.readUTF();
            if (!type.equals(key)) {
                throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules is for type '" + type + "'");
            }
            long version = in.readLong();
            String origin = in.readUTF();
            if (in.readBoolean()) {
                return removed(type, version, origin);
            }
            ModuleHash module = ModuleHash.parse(in.readUTF());
            String moduleName = in.readUTF();
            ActorLimits limits = new ActorLimits(Duration.ofMillis(in.readLong()), in.readLong(), in.readInt(), in.readInt(),
                    Duration.ofMillis(in.readLong()));
            Set<String> namespaces = new LinkedHashSet<>(readStrings(key, in));
            GuestEnvironment env = null;
            if (in.readBoolean()) {
                List<String> args = readStrings(key, in);
                int n = count(key, in.readInt(), "WASI variables");
                Map<String, String> vars = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    vars.put(in.readUTF(), in.readUTF());
                }
                String dir = in.readBoolean() ? in.readUTF() : null;
                env = new GuestEnvironment(args, vars, dir, in.readBoolean(), in.readLong());
            }
            int size = in.readInt();
            if (size < 0 || size > maxModuleBytes) {
                throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules carries a module of " + size
                        + " bytes, over this member's size cap of " + maxModuleBytes + " bytes (max_module_bytes)");
            }
            byte[] bytes = in.readNBytes(size);
            if (bytes.length != size) {
                throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules is truncated");
            }
            return deployed(type, version, origin, module, moduleName, bytes, limits, namespaces, env);
        } catch (IOException e) {
            throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules cannot be read: " + e, e);
        }
    }

    private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    private static List<String> readStrings(String key, DataInputStream in) throws IOException {
        int n = count(key, in.readInt(), "strings");
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.readUTF());
        }
        return values;
    }

    private static int count(String key, int n, String what) {
        if (n < 0 || n > MAX_ITEMS) {
            throw new IllegalArgumentException("entry '" + key + "' of kelpie.modules has " + n + " " + what
                    + ", more than " + MAX_ITEMS);
        }
        return n;
    }
}
