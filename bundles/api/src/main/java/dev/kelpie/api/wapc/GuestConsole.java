package dev.kelpie.api.wapc;

import dev.kelpie.api.module.ModuleDescriptor;
import org.osgi.annotation.versioning.ConsumerType;

/** Receives guest log lines ({@code __console_log}, WASI stdout/stderr, aborts). */
@ConsumerType
@FunctionalInterface
public interface GuestConsole {
    void log(ModuleDescriptor module, String instanceLabel, String line);

    /**
     * The default console: {@link System.Logger} named {@code kelpie.guest.<module name>} at INFO, each
     * line prefixed with the module label and instance label.
     */
    static GuestConsole systemLogger() {
        return (module, label, line) -> System.getLogger("kelpie.guest." + module.name())
                .log(System.Logger.Level.INFO, "[{0} {1}] {2}", module.label(), label, line);
    }
}
