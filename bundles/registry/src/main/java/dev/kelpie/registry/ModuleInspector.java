package dev.kelpie.registry;

import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import dev.kelpie.api.module.ExternalKind;
import dev.kelpie.api.module.MemoryShape;
import dev.kelpie.api.module.ModuleExport;
import dev.kelpie.api.module.ModuleImport;
import dev.kelpie.api.wasm.FunctionTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads what a parsed module imports, exports and declares, and guesses the toolchain behind it. */
final class ModuleInspector {
    private final WasmModule module;

    ModuleInspector(WasmModule module) {
        this.module = module;
    }

    List<ModuleImport> imports() {
        List<ModuleImport> out = new ArrayList<>();
        var section = module.importSection();
        for (int i = 0; i < section.importCount(); i++) {
            Import imp = section.getImport(i);
            out.add(new ModuleImport(imp.module(), imp.name(), kind(imp.importType()), importType(imp)));
        }
        return out;
    }

    List<ModuleExport> exports() {
        List<ModuleExport> out = new ArrayList<>();
        var section = module.exportSection();
        int importedFunctions = module.importSection().count(ExternalType.FUNCTION);
        for (int i = 0; i < section.exportCount(); i++) {
            Export exp = section.getExport(i);
            String type = "";
            if (exp.exportType() == ExternalType.FUNCTION) {
                type = functionTypeOf(exp, importedFunctions);
            } else if (exp.exportType() == ExternalType.MEMORY) {
                type = limits(memoryLimits());
            }
            out.add(new ModuleExport(exp.name(), kind(exp.exportType()), type));
        }
        return out;
    }

    MemoryShape memory(List<ModuleExport> exports) {
        boolean exported = exports.stream().anyMatch(e -> e.kind() == ExternalKind.MEMORY && e.name().equals("memory"));
        MemoryImport imported = importedMemory();
        MemoryLimits limits = memoryLimits();
        if (limits == null) {
            return MemoryShape.NONE;
        }
        int max = limits.maximumPages() >= MemoryLimits.MAX_PAGES ? -1 : limits.maximumPages();
        return new MemoryShape(limits.initialPages(), max, exported, imported != null);
    }

    /** The {@code producers} section as text, such as {@code language=Rust; processed-by=rustc 1.63.0}. */
    String producers() {
        Map<String, List<String>> fields = producerFields();
        return fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }

    /**
     * The language the module looks like it came from, by its producers section and its signature
     * imports and exports.
     */
    String guestLanguage(List<ModuleImport> imports, List<ModuleExport> exports) {
        Map<String, List<String>> producers = producerFields();
        String languages = String.join(" ", producers.getOrDefault("language", List.of())).toLowerCase(Locale.ROOT);
        String tools = String.join(" ", producers.getOrDefault("processed-by", List.of())).toLowerCase(Locale.ROOT);
        boolean emscripten = imports.stream()
                .anyMatch(i -> i.module().equals("env") && (i.name().startsWith("invoke_") || i.name().startsWith("emscripten_")));
        if (emscripten) {
            return exports.stream().anyMatch(e -> e.name().startsWith("mp_js_")) ? "micropython" : "emscripten";
        }
        if (tools.contains("tinygo") || languages.contains("tinygo") || imports.stream().anyMatch(i -> i.module().equals("wasi_unstable"))) {
            return "tinygo";
        }
        if (languages.contains("rust") || tools.contains("rustc")) {
            return "rust";
        }
        if (languages.matches(".*\\bgo\\b.*") || module.customSection("go:buildid") != null
                || module.customSection("go.buildid") != null) {
            return "go";
        }
        if (imports.stream().anyMatch(i -> i.module().equals("env") && i.name().equals("abort")
                && i.type().equals("(i32, i32, i32, i32) -> ()"))) {
            return "assemblyscript";
        }
        if (languages.matches(".*\\bc(\\d\\d)?\\b.*") || tools.contains("clang")) {
            return "c";
        }
        if (producers.isEmpty() && dataMentionsRustStd()) {
            // Stripped Rust builds (-C strip=symbols, wasm-opt) drop the producers section, but the
            // panic locations of Rust's standard library stay in the data segments.
            return "rust";
        }
        return "unknown";
    }

    private static final byte[][] RUST_STD_PATHS = {
        "library/core/src/".getBytes(StandardCharsets.US_ASCII),
        "library/alloc/src/".getBytes(StandardCharsets.US_ASCII),
        "library/std/src/".getBytes(StandardCharsets.US_ASCII),
    };

    private boolean dataMentionsRustStd() {
        var data = module.dataSection();
        if (data == null) {
            return false;
        }
        for (int i = 0; i < data.dataSegmentCount(); i++) {
            byte[] bytes = data.getDataSegment(i).data();
            for (byte[] needle : RUST_STD_PATHS) {
                if (indexOf(bytes, needle) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private Map<String, List<String>> producerFields() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        CustomSection section = module.customSection("producers");
        if (!(section instanceof UnknownCustomSection)) {
            return fields;
        }
        byte[] bytes = ((UnknownCustomSection) section).bytes();
        try {
            Reader r = new Reader(bytes);
            long fieldCount = r.u32();
            for (long f = 0; f < fieldCount; f++) {
                String field = r.name();
                long valueCount = r.u32();
                List<String> values = new ArrayList<>();
                for (long v = 0; v < valueCount; v++) {
                    String name = r.name();
                    String version = r.name();
                    values.add(version.isEmpty() ? name : name + " " + version);
                }
                fields.put(field, values);
            }
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            // A malformed producers section is only metadata: describe what was readable.
        }
        return fields;
    }

    private String functionTypeOf(Export export, int importedFunctions) {
        int functionIndex = export.index();
        int defined = module.functionSection().functionCount();
        if (functionIndex < 0 || functionIndex >= importedFunctions + defined) {
            throw new InvalidException("export '" + export.name() + "' refers to function " + functionIndex
                    + ", the module has " + (importedFunctions + defined));
        }
        if (functionIndex >= importedFunctions) {
            int typeIndex = module.functionSection().getFunctionType(functionIndex - importedFunctions);
            return signature(functionType(typeIndex, "function " + functionIndex));
        }
        int seen = 0;
        var imports = module.importSection();
        for (int i = 0; i < imports.importCount(); i++) {
            Import imp = imports.getImport(i);
            if (imp instanceof FunctionImport && seen++ == functionIndex) {
                return signature(functionType(((FunctionImport) imp).typeIndex(), "function " + functionIndex));
            }
        }
        return "";
    }

    /** The function type at an index, or {@link InvalidException} when there is none. */
    private FunctionType functionType(int typeIndex, String of) {
        var types = module.typeSection();
        FunctionType type = typeIndex >= 0 && typeIndex < types.subTypeCount() ? types.getType(typeIndex) : null;
        if (type == null) {
            throw new InvalidException(of + " has type " + typeIndex + ", which is not a function type of the module");
        }
        return type;
    }

    private String importType(Import imp) {
        if (imp instanceof FunctionImport) {
            return signature(functionType(((FunctionImport) imp).typeIndex(), "import " + imp.module() + "." + imp.name()));
        }
        if (imp instanceof MemoryImport) {
            return limits(((MemoryImport) imp).limits());
        }
        return imp.importType().name().toLowerCase(Locale.ROOT);
    }

    private MemoryImport importedMemory() {
        var imports = module.importSection();
        for (int i = 0; i < imports.importCount(); i++) {
            if (imports.getImport(i) instanceof MemoryImport) {
                return (MemoryImport) imports.getImport(i);
            }
        }
        return null;
    }

    private MemoryLimits memoryLimits() {
        MemoryImport imported = importedMemory();
        if (imported != null) {
            return imported.limits();
        }
        return module.memorySection()
                .filter(s -> s.memoryCount() > 0)
                .map(s -> s.getMemory(0).limits())
                .orElse(null);
    }

    static String signature(FunctionType type) {
        return FunctionTypes.describe(type);
    }

    private static String limits(MemoryLimits limits) {
        if (limits == null) {
            return "";
        }
        String max = limits.maximumPages() >= MemoryLimits.MAX_PAGES ? "none" : String.valueOf(limits.maximumPages());
        return "pages " + limits.initialPages() + ".." + max;
    }

    private static ExternalKind kind(ExternalType type) {
        switch (type) {
            case FUNCTION: return ExternalKind.FUNCTION;
            case TABLE: return ExternalKind.TABLE;
            case MEMORY: return ExternalKind.MEMORY;
            case GLOBAL: return ExternalKind.GLOBAL;
            default: return ExternalKind.TAG;
        }
    }

    /** Minimal reader for the LEB128 and name encodings of a custom section. */
    private static final class Reader {
        private final byte[] bytes;
        private int pos;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        long u32() {
            long result = 0;
            int shift = 0;
            while (true) {
                byte b = bytes[pos++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
                shift += 7;
                if (shift > 28) {
                    throw new IllegalStateException("LEB128 too long");
                }
            }
        }

        String name() {
            long len = u32();
            if (len > bytes.length - pos) {
                throw new IllegalStateException("name runs past the section");
            }
            String s = new String(bytes, pos, (int) len, StandardCharsets.UTF_8);
            pos += (int) len;
            return s;
        }
    }
}
