package dev.kelpie.registry;

import com.dylibso.chicory.wasm.WasmLimits;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import dev.kelpie.registry.BoundedReader.BinaryFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * A pass over a module's bytes before Chicory parses them. Chicory allocates what a module declares (a
 * vector of N parameters, a name or data segment of N bytes, N locals) before it finds out whether the
 * bytes are there; this pass walks every section with a {@link BoundedReader} so that every declared
 * count and length is checked against the bytes that remain, and a 51-byte file cannot ask for gigabytes.
 * It also rejects what the module declares beyond Kelpie's limits: table minimums over
 * {@code max_table_entries}, memories over 65536 pages, more locals per function than Chicory accepts, and
 * active data and element segments that cannot fit the memory or table they initialize.
 *
 * <p>It walks the structure of sections, function headers and constant expressions; instruction bodies
 * are left to Chicory, whose allocations there are bounded by the bytes it reads.
 */
final class BinaryPrecheck {
    /** Locals of one function, summed over its local declarations: Chicory's own per-declaration limit. */
    static final int MAX_FUNCTION_LOCALS = WasmLimits.MAX_FUNCTION_LOCALS;
    static final long MAX_MEMORY_PAGES = 65_536;
    private static final long PAGE_BYTES = 65_536;

    private static final String[] SECTION_NAMES = {
        "custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code",
        "data", "data count", "tag"
    };

    private final String module;
    private final byte[] bytes;
    private final int maxTableEntries;
    private final List<DeclaredTable> tables = new ArrayList<>();
    private final List<long[]> memories = new ArrayList<>(); // {min pages, imported ? 1 : 0}
    private final List<long[]> dataPlacements = new ArrayList<>(); // {segment, memory, offset, length}
    private final List<long[]> elementPlacements = new ArrayList<>(); // {segment, table, offset, count}
    private String section = "header";

    private BinaryPrecheck(String module, byte[] bytes, int maxTableEntries) {
        this.module = module;
        this.bytes = bytes;
        this.maxTableEntries = maxTableEntries;
    }

    /** A table the module imports or defines, in table index order; {@code max} is -1 when absent. */
    private record DeclaredTable(boolean imported, long min, long max) {}

    /**
     * Checks the module, whose header was checked already.
     *
     * @throws ModuleRejectedException MALFORMED when a length, count or integer does not fit the binary,
     *     INVALID when a declaration goes past a limit
     */
    static void check(String module, byte[] bytes, int maxTableEntries) {
        BinaryPrecheck check = new BinaryPrecheck(module, bytes, maxTableEntries);
        try {
            check.sections();
        } catch (BinaryFormatException e) {
            throw new ModuleRejectedException(module, Reason.MALFORMED,
                    check.section + " section, byte " + e.offset() + ": " + e.getMessage());
        }
        check.placements();
    }

    private void sections() {
        BoundedReader r = new BoundedReader(bytes, 8, bytes.length);
        while (r.hasRemaining()) {
            int at = r.position();
            int id = r.u8();
            if (id >= SECTION_NAMES.length) {
                section = "unknown";
                throw new BinaryFormatException("unknown section id " + id, at);
            }
            section = SECTION_NAMES[id];
            BoundedReader s = r.window(r.length("the section"));
            section(id, s);
            if (s.hasRemaining()) {
                throw new BinaryFormatException("section size mismatch: " + s.remaining() + " bytes left after its content",
                        s.position());
            }
        }
    }

    private void section(int id, BoundedReader s) {
        switch (id) {
            case 0: custom(s); break;
            case 1: types(s); break;
            case 2: imports(s); break;
            case 3: repeat(s, "functions", 1, () -> s.u32()); break;
            case 4: repeat(s, "tables", 3, () -> table(s)); break;
            case 5: repeat(s, "memories", 2, () -> memory(s, false)); break;
            case 6: repeat(s, "globals", 3, () -> { valType(s); s.u8(); constExpr(s); }); break;
            case 7: repeat(s, "exports", 3, () -> { s.name("export name"); s.u32(); s.u32(); }); break;
            case 8: s.u32(); break;
            case 9: elements(s); break;
            case 10: code(s); break;
            case 11: data(s); break;
            case 12: s.u32(); break;
            case 13: repeat(s, "tags", 2, () -> { s.u8(); s.u32(); }); break;
            default: throw new IllegalStateException("section " + id);
        }
    }

    private static void repeat(BoundedReader s, String what, int minBytesEach, Runnable item) {
        int n = s.count(what, minBytesEach);
        for (int i = 0; i < n; i++) {
            item.run();
        }
    }

    private void custom(BoundedReader s) {
        String name = s.name("custom section name");
        if (name.equals("name")) {
            section = "name";
            while (s.hasRemaining()) {
                int id = s.u8();
                BoundedReader sub = s.window(s.length("name subsection " + id));
                names(id, sub);
            }
        } else {
            s.skip(s.remaining());
        }
    }

    /** A subsection of the {@code name} section, which Chicory decodes whole. */
    private static void names(int id, BoundedReader sub) {
        switch (id) {
            case 0:
                sub.name("module name");
                break;
            case 1: case 5: case 6: case 7: case 8: case 9: case 11:
                nameMap(sub);
                break;
            case 2: case 3:
                repeat(sub, "indirect name map", 2, () -> { sub.u32(); nameMap(sub); });
                break;
            default:
                break; // ignored by Chicory too
        }
    }

    private static void nameMap(BoundedReader s) {
        repeat(s, "name map", 2, () -> { s.u32(); s.name("name"); });
    }

    private void types(BoundedReader s) {
        repeat(s, "types", 1, () -> {
            int form = (int) s.u32();
            if (form == 0x4E) { // rec
                repeat(s, "recursive types", 1, () -> subType(s, (int) s.u32()));
            } else {
                subType(s, form);
            }
        });
    }

    private static void subType(BoundedReader s, int form) {
        if (form == 0x50 || form == 0x4F) { // sub, sub final
            repeat(s, "supertypes", 1, () -> s.u32());
            compType(s, (int) s.u32());
        } else {
            compType(s, form);
        }
    }

    private static void compType(BoundedReader s, int form) {
        switch (form) {
            case 0x60: // func
                repeat(s, "parameters", 1, () -> valType(s));
                repeat(s, "results", 1, () -> valType(s));
                break;
            case 0x5F: // struct
                repeat(s, "struct fields", 2, () -> fieldType(s));
                break;
            case 0x5E: // array
                fieldType(s);
                break;
            default:
                throw new BinaryFormatException("unknown type form 0x" + Integer.toHexString(form), s.position());
        }
    }

    private static void fieldType(BoundedReader s) {
        int id = (int) s.u32();
        if (id != 0x78 && id != 0x77) { // i8, i16
            refTypeIndex(s, id);
        }
        s.u8(); // mutability
    }

    /** A value type as Chicory reads it: an LEB128 id, and a heap type after {@code ref} / {@code ref null}. */
    private static int valType(BoundedReader s) {
        int id = (int) s.u32();
        refTypeIndex(s, id);
        return id;
    }

    private static void refTypeIndex(BoundedReader s, int id) {
        if (id == 0x63 || id == 0x64) {
            s.skipLeb(5);
        }
    }

    private void imports(BoundedReader s) {
        repeat(s, "imports", 4, () -> {
            s.name("import module name");
            s.name("import name");
            int at = s.position();
            long kind = s.u32();
            switch ((int) kind) {
                case 0: s.u32(); break;
                case 1: tableType(s, true); break;
                case 2: memory(s, true); break;
                case 3: valType(s); s.u8(); break;
                case 4: s.u8(); s.u32(); break;
                default: throw new BinaryFormatException("unknown import kind " + kind, at);
            }
        });
    }

    private void table(BoundedReader s) {
        int at = s.position();
        int first = (int) s.u32();
        if (first == 0x40) { // table with an initializer expression
            if (s.u32() != 0) {
                throw new BinaryFormatException("malformed table type", at);
            }
            tableType(s, false);
            constExpr(s);
        } else {
            refTypeIndex(s, first);
            limitsOfTable(s, false);
        }
    }

    private void tableType(BoundedReader s, boolean imported) {
        valType(s);
        limitsOfTable(s, imported);
    }

    private void limitsOfTable(BoundedReader s, boolean imported) {
        long[] limits = limits(s);
        int index = tables.size();
        DeclaredTable table = new DeclaredTable(imported, limits[0], limits[1]);
        if (table.max() >= 0 && table.max() < table.min()) {
            throw invalid("table " + index + " declares a minimum of " + table.min() + " entries above its maximum of "
                    + table.max());
        }
        if (table.min() > maxTableEntries) {
            throw invalid((imported ? "imported " : "") + "table " + index + " declares a minimum of " + table.min()
                    + " entries, over the limit of " + maxTableEntries + " (max_table_entries)");
        }
        tables.add(table);
    }

    private void memory(BoundedReader s, boolean imported) {
        long[] limits = limits(s);
        int index = memories.size();
        String which = (imported ? "imported " : "") + "memory " + index;
        if (limits[0] > MAX_MEMORY_PAGES || limits[1] > MAX_MEMORY_PAGES) {
            throw invalid(which + " declares " + (limits[0] > MAX_MEMORY_PAGES ? "a minimum of " + limits[0]
                    : "a maximum of " + limits[1]) + " pages, over the " + MAX_MEMORY_PAGES
                    + " pages (4 GiB) a 32-bit memory can have");
        }
        if (limits[1] >= 0 && limits[1] < limits[0]) {
            throw invalid(which + " declares a minimum of " + limits[0] + " pages above its maximum of " + limits[1]);
        }
        memories.add(new long[] {limits[0], imported ? 1 : 0});
    }

    /** Limits: a flag (bit 0: a maximum follows, bit 1: shared), the minimum, the maximum or -1. */
    private static long[] limits(BoundedReader s) {
        int at = s.position();
        int flags = s.u8();
        if (flags > 3) {
            throw new BinaryFormatException("unsupported limits flags 0x" + Integer.toHexString(flags), at);
        }
        long min = s.u32();
        long max = (flags & 1) != 0 ? s.u32() : -1;
        return new long[] {min, max};
    }

    private void elements(BoundedReader s) {
        int n = s.count("element segments", 2);
        for (int i = 0; i < n; i++) {
            int at = s.position();
            long flags = s.u32();
            if (flags > 7) {
                throw new BinaryFormatException("element segment " + i + " has unknown flags " + flags, at);
            }
            boolean active = (flags & 1) == 0;
            boolean explicitTable = (flags & 2) != 0;
            boolean expressions = (flags & 4) != 0;
            long table = 0;
            Long offset = null;
            if (active) {
                if (explicitTable) {
                    table = s.u32();
                }
                offset = constExpr(s);
            }
            if (!active || explicitTable) {
                if (expressions) {
                    valType(s);
                } else {
                    s.u32(); // element kind
                }
            }
            int count = s.count("element segment " + i, 1);
            for (int j = 0; j < count; j++) {
                if (expressions) {
                    constExpr(s);
                } else {
                    s.u32();
                }
            }
            if (active && offset != null) {
                elementPlacements.add(new long[] {i, table, offset, count});
            }
        }
    }

    private void code(BoundedReader s) {
        int n = s.count("function bodies", 2);
        for (int i = 0; i < n; i++) {
            BoundedReader body = s.window(s.length("function body " + i));
            int declarations = body.count("local declarations of function body " + i, 2);
            long locals = 0;
            for (int d = 0; d < declarations; d++) {
                locals += body.u32();
                if (locals > MAX_FUNCTION_LOCALS) {
                    throw invalid("function body " + i + " declares more than " + MAX_FUNCTION_LOCALS
                            + " locals, the most Chicory accepts");
                }
                valType(body);
            }
            body.skip(body.remaining()); // the instructions: Chicory reads them against the bytes it has
        }
    }

    private void data(BoundedReader s) {
        int n = s.count("data segments", 1);
        for (int i = 0; i < n; i++) {
            int at = s.position();
            long mode = s.u32();
            long memory = 0;
            Long offset = null;
            if (mode == 2) {
                memory = s.u32();
            }
            if (mode == 0 || mode == 2) {
                offset = constExpr(s);
            } else if (mode != 1) {
                throw new BinaryFormatException("data segment " + i + " has unknown mode " + mode, at);
            }
            int length = s.length("data segment " + i);
            s.skip(length);
            if (offset != null) {
                dataPlacements.add(new long[] {i, memory, offset, length});
            }
        }
    }

    /**
     * A constant expression up to its {@code end}. Only constant instructions may appear (anything else
     * is invalid, and Chicory would parse it and allocate first). Returns the offset when the expression
     * is exactly one {@code i32.const}, else null.
     */
    private Long constExpr(BoundedReader s) {
        Long single = null;
        int instructions = 0;
        while (true) {
            int at = s.position();
            int op = s.u8();
            switch (op) {
                case 0x0B: // end
                    return instructions == 1 ? single : null;
                case 0x41: // i32.const
                    single = Integer.toUnsignedLong(s.s32());
                    break;
                case 0x42: s.skipLeb(10); break; // i64.const
                case 0x43: s.skip(4); break; // f32.const
                case 0x44: s.skip(8); break; // f64.const
                case 0x23: case 0xD2: s.u32(); break; // global.get, ref.func
                case 0xD0: s.skipLeb(5); break; // ref.null heap type
                case 0x6A: case 0x6B: case 0x6C: case 0x7C: case 0x7D: case 0x7E: break; // extended constants
                case 0xFD: // v128.const
                    if (s.u32() != 12) {
                        throw notConstant(op, at);
                    }
                    s.skip(16);
                    break;
                case 0xFB: // GC constant instructions
                    gcConstant(s, op, at);
                    break;
                default:
                    throw notConstant(op, at);
            }
            if (op != 0x41) {
                single = null;
            }
            instructions++;
        }
    }

    private void gcConstant(BoundedReader s, int op, int at) {
        long sub = s.u32();
        switch ((int) sub) {
            case 0: case 1: case 6: case 7: s.u32(); break; // struct.new(_default), array.new(_default)
            case 8: s.u32(); s.u32(); break; // array.new_fixed
            case 0x1A: case 0x1B: case 0x1C: break; // any.convert_extern, extern.convert_any, ref.i31
            default: throw notConstant(op, at);
        }
    }

    private ModuleRejectedException notConstant(int op, int at) {
        return invalid(section + " section, byte " + at + ": instruction 0x" + Integer.toHexString(op)
                + " is not allowed in a constant expression");
    }

    /** Active segments with a constant offset must fit the memory or table they initialize at instantiation. */
    private void placements() {
        for (long[] p : dataPlacements) {
            int memory = (int) p[1];
            if (memory < memories.size() && memories.get(memory)[1] == 0) {
                long size = memories.get(memory)[0] * PAGE_BYTES;
                if (p[2] + p[3] > size) {
                    throw invalid("data segment " + p[0] + " (" + p[3] + " bytes at offset " + p[2]
                            + ") does not fit memory " + memory + " of " + memories.get(memory)[0] + " pages ("
                            + size + " bytes): instantiation would always fail");
                }
            }
        }
        for (long[] p : elementPlacements) {
            int table = (int) p[1];
            if (table < tables.size() && !tables.get(table).imported()) {
                long size = tables.get(table).min();
                if (p[2] + p[3] > size) {
                    throw invalid("element segment " + p[0] + " (" + p[3] + " entries at offset " + p[2]
                            + ") does not fit table " + table + " of " + size + " entries: instantiation would always fail");
                }
            }
        }
    }

    private ModuleRejectedException invalid(String detail) {
        return new ModuleRejectedException(module, Reason.INVALID, detail);
    }
}
