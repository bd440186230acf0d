package dev.kelpie.wapc;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestConsole;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A console that keeps what guests wrote, as "module-name|label|line". */
final class RecordingConsole implements GuestConsole {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void log(ModuleDescriptor module, String instanceLabel, String line) {
        lines.add(module.name() + "|" + instanceLabel + "|" + line);
    }
}
