package dev.kelpie.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;

/**
 * Kelpie's interactive console: line editing, history and tab completion (JLine), each line run through a Gogo
 * session. A failed command prints {@code error: <one line>}, exactly as {@code --exec} does, instead of Gogo's
 * own console's {@code gogo: CommandException: ...}. Ctrl-D (end of input) ends it; Ctrl-C drops the line.
 */
final class Console {
    static final String PROMPT = "kelpie> ";

    /** What the console runs lines through (the Gogo session; a fake in tests). */
    interface Shell {
        /** Runs one command line; throws the command's failure. */
        Object execute(String line) throws Exception;

        /** The result as Gogo prints it. */
        String format(Object result) throws Exception;

        /** Every command name, {@code scope:function}. */
        Collection<String> commands();

        /** {@code kelpie:complete kind type} as lines; empty when it fails. */
        List<String> candidates(String kind, String type);
    }

    private final Shell shell;
    private final Path history;

    Console(Shell shell, Path history) {
        this.shell = shell;
        this.history = history;
    }

    /** Reads and runs lines until the end of input. */
    void run(Terminal terminal) {
        DefaultParser parser = new DefaultParser();
        parser.setEofOnUnclosedQuote(false);
        parser.setEscapeChars(new char[0]); // Gogo's $'...\n...' stays as typed
        LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).parser(parser)
                .completer(new KelpieCompleter(shell)).appName("kelpie");
        if (history != null) {
            builder.variable(LineReader.HISTORY_FILE, history).variable(LineReader.HISTORY_SIZE, 1000);
        }
        LineReader reader = builder.build();
        PrintWriter out = terminal.writer();
        while (true) {
            String line;
            try {
                line = reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                return;
            }
            if (line == null) {
                return;
            }
            if (!line.isBlank()) {
                out.println(runLine(line));
            }
            out.flush();
        }
    }

    /** The text a line prints: its result, or {@code error: <one line>}; empty for no result. */
    String runLine(String line) {
        try {
            Object result = shell.execute(line);
            return result == null ? "" : shell.format(result);
        } catch (Exception e) {
            return "error: " + Main.oneLine(e);
        }
    }
}
