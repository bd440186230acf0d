package dev.kelpie.api.module;

/** What an import or export is. */
public enum ExternalKind {
    FUNCTION,
    TABLE,
    MEMORY,
    GLOBAL,
    TAG
}
