package dev.kelpie.api.module;

/**
 * One import of a module.
 *
 * @param module the import's module name, such as {@code wapc} or {@code env}
 * @param name the import's field name, such as {@code __host_call}
 * @param kind what is imported
 * @param type a readable type: {@code (i32, i32) -> (i32)} for functions, limits for memories
 */
public record ModuleImport(String module, String name, ExternalKind kind, String type) {
    @Override
    public String toString() {
        return module + "." + name + " " + type;
    }
}
