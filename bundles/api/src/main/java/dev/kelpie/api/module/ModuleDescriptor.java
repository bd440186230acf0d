package dev.kelpie.api.module;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the registry knows of an installed module.
 *
 * @param hash identity: SHA-256 of the bytes
 * @param name the name it was first installed under (a file name, bundle entry, or caller's label)
 * @param sizeBytes size of the module's bytes
 * @param imports every import, in declaration order
 * @param exports every export, in declaration order
 * @param memory limits of memory 0
 * @param guestLanguage the language the module looks like it was written in ({@code rust},
 *     {@code assemblyscript}, {@code c}, {@code tinygo}, {@code go}, {@code micropython}), or
 *     {@code unknown}
 * @param producers the toolchain named by the module's {@code producers} section, or empty
 * @param executionMode how its code runs
 * @param compileMillis time spent parsing, validating and compiling
 * @param installedAt when it was installed
 */
public record ModuleDescriptor(
        ModuleHash hash,
        String name,
        long sizeBytes,
        List<ModuleImport> imports,
        List<ModuleExport> exports,
        MemoryShape memory,
        String guestLanguage,
        String producers,
        ExecutionMode executionMode,
        long compileMillis,
        Instant installedAt) {

    public ModuleDescriptor {
        imports = List.copyOf(imports);
        exports = List.copyOf(exports);
    }

    public Optional<ModuleExport> export(String exportName) {
        return exports.stream().filter(e -> e.name().equals(exportName)).findFirst();
    }

    public boolean exportsFunction(String exportName) {
        return export(exportName).filter(e -> e.kind() == ExternalKind.FUNCTION).isPresent();
    }

    /** {@code name@hash12}, the label used in messages. */
    public String label() {
        return name + "@" + hash.shortHex();
    }
}
