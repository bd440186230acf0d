package dev.kelpie.guest.micropython;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestConsole;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A console that keeps what guests wrote. */
final class RecordingConsole implements GuestConsole {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void log(ModuleDescriptor module, String instanceLabel, String line) {
        lines.add(line);
    }

    List<String> matching(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }
}
