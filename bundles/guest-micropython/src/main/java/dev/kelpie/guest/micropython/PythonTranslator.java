package dev.kelpie.guest.micropython;

import dev.kelpie.api.wasm.SourceTranslator;
import org.osgi.service.component.annotations.Component;

/**
 * Installs {@code .py} files: the module is MicroPython's interpreter with the source appended in a custom
 * section ({@link PythonSource}), so {@code kelpie:install counter.py}, a deploy request or a module bundle
 * carrying a {@code .py} entry all deploy a Python actor. Syntax errors show when the deployment's check
 * instantiates the module (the source runs then), with their line number.
 */
@Component(service = SourceTranslator.class)
public final class PythonTranslator implements SourceTranslator {
    public static final String EXTENSION = ".py";

    @Override
    public String extension() {
        return EXTENSION;
    }

    @Override
    public byte[] translate(String name, byte[] source) {
        return PythonSource.module(name, source);
    }
}
