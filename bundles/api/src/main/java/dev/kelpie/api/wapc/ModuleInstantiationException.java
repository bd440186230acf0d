package dev.kelpie.api.wapc;

import dev.kelpie.api.KelpieException;

/** A module could not be instantiated; the message names the module and why. */
public class ModuleInstantiationException extends KelpieException {
    private static final long serialVersionUID = 1L;
    private final String moduleLabel;

    public ModuleInstantiationException(String moduleLabel, String detail, Throwable cause) {
        super("cannot instantiate module " + moduleLabel + ": " + detail, cause);
        this.moduleLabel = moduleLabel;
    }

    public ModuleInstantiationException(String moduleLabel, String detail) {
        this(moduleLabel, detail, null);
    }

    public String moduleLabel() {
        return moduleLabel;
    }
}
