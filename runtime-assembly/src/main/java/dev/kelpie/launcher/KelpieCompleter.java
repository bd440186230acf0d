package dev.kelpie.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion of the console: command names first; then, for Kelpie's commands, actor types
 * ({@code invoke}, {@code deactivate}, {@code uninstall}, the type of {@code install}), the active actors of
 * the type ({@code invoke}, {@code deactivate}), the operations that answered for the type ({@code invoke}),
 * module files ({@code install}) and active actors as {@code type:id} ({@code reminders}, {@code tail}). The
 * candidates come from {@code kelpie:complete}.
 */
final class KelpieCompleter implements Completer {
    /** Options that take a value, so that their value is not counted as an argument. */
    private static final Set<String> VALUE_OPTIONS = Set.of("--timeout", "--memory", "--mailbox", "--payload", "--idle",
            "--args", "--env", "--dir", "--dir-quota", "-n", "--lines");
    private final Console.Shell shell;
    private final Completer files = new Completers.FileNameCompleter();

    KelpieCompleter(Console.Shell shell) {
        this.shell = shell;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        if (index == 0) {
            Set<String> names = new TreeSet<>();
            for (String c : shell.commands()) {
                names.add(c);
                if (c.startsWith("kelpie:")) {
                    names.add(c.substring("kelpie:".length()));
                }
            }
            names.forEach(n -> candidates.add(new Candidate(n)));
            return;
        }
        String command = words.get(0);
        if (command.startsWith("kelpie:")) {
            command = command.substring("kelpie:".length());
        } else if (command.contains(":")) {
            return;
        }
        List<String> args = new ArrayList<>();
        for (int i = 1; i < index; i++) {
            String w = words.get(i);
            if (VALUE_OPTIONS.contains(w)) {
                i++;
            } else if (!w.startsWith("-")) {
                args.add(w);
            }
        }
        if (index > 1 && VALUE_OPTIONS.contains(words.get(index - 1))) {
            return; // an option's value
        }
        int position = args.size();
        String type = args.isEmpty() ? "" : args.get(0);
        switch (command) {
            case "invoke" -> add(candidates, position == 0 ? shell.candidates("types", "")
                    : position == 1 ? shell.candidates("actors", type)
                    : position == 2 ? shell.candidates("operations", type) : List.of());
            case "deactivate" -> add(candidates, position == 0 ? shell.candidates("types", "")
                    : position == 1 ? shell.candidates("actors", type) : List.of());
            case "uninstall" -> add(candidates, position == 0 ? shell.candidates("types", "") : List.of());
            case "install" -> {
                if (position == 0) {
                    files.complete(reader, line, candidates);
                } else if (position == 1) {
                    add(candidates, shell.candidates("types", ""));
                }
            }
            case "reminders", "tail" -> add(candidates, position == 0 ? shell.candidates("actors", "") : List.of());
            default -> {
                // other commands: nothing to offer
            }
        }
    }

    private static void add(List<Candidate> candidates, List<String> values) {
        values.forEach(v -> candidates.add(new Candidate(v)));
    }
}
