package dev.kelpie.api.module;

/**
 * The limits memory 0 of a module declares, in 64 KiB pages.
 *
 * @param initialPages pages at instantiation
 * @param maximumPages declared maximum, or -1 when the module declares none
 * @param exported whether memory 0 is exported as {@code memory}
 * @param imported whether memory 0 is imported rather than defined
 */
public record MemoryShape(int initialPages, int maximumPages, boolean exported, boolean imported) {
    /** A module without any memory. */
    public static final MemoryShape NONE = new MemoryShape(0, 0, false, false);

    public boolean declaresMaximum() {
        return maximumPages >= 0;
    }
}
