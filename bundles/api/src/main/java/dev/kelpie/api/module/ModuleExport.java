package dev.kelpie.api.module;

/**
 * One export of a module.
 *
 * @param name the export's name
 * @param kind what is exported
 * @param type a readable type: {@code (i32, i32) -> (i32)} for functions, empty when not known
 */
public record ModuleExport(String name, ExternalKind kind, String type) {
    @Override
    public String toString() {
        return name + " " + type;
    }
}
