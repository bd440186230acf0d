package dev.kelpie.guest.micropython;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.kelpie.api.module.CompiledModule;
import dev.kelpie.registry.ChicoryModuleRegistry;
import dev.kelpie.registry.RegistrySettings;

/** Test helper: one registry (with the .py translator) for the whole JVM, so MicroPython compiles once. */
final class Python {
    static final ChicoryModuleRegistry REGISTRY = new ChicoryModuleRegistry(RegistrySettings.DEFAULTS);

    static {
        REGISTRY.addSourceTranslator(new PythonTranslator());
    }

    private Python() {}

    /** Installs a Python source under a file name. */
    static CompiledModule install(String fileName, String source) {
        return REGISTRY.install(fileName, source.getBytes(UTF_8));
    }
}
