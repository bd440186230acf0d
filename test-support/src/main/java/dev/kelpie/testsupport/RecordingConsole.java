package dev.kelpie.testsupport;

import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.wapc.GuestConsole;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A console that keeps what guests wrote, line by line. */
public final class RecordingConsole implements GuestConsole {
    /** The lines written, in order. */
    public final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void log(ModuleDescriptor module, String instanceLabel, String line) {
        lines.add(line);
    }

    /** The lines that start with a prefix. */
    public List<String> matching(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }
}
