package dev.kelpie.api.wasm;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns a guest's source file into the WebAssembly module that runs it, for languages whose actors are
 * installed as source (Python: the MicroPython interpreter with the source in a custom section). The module
 * registry consults the translators registered as services when it is given bytes that are not a
 * WebAssembly binary under a name ending in a translator's {@link #extension()}, and installs what the
 * translator returns (its identity is the SHA-256 of those bytes).
 */
@ConsumerType
public interface SourceTranslator {
    /** The file-name extension this translator takes, with its dot, lower case: {@code .py}. */
    String extension();

    /**
     * The module for a source.
     *
     * @param name the file or entry name it is installed under (ends with {@link #extension()})
     * @param source the file's bytes
     * @return the bytes of a WebAssembly module
     * @throws dev.kelpie.api.module.ModuleRejectedException naming the source and what is wrong with it
     */
    byte[] translate(String name, byte[] source);
}
