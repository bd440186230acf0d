package dev.kelpie.shell;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The last lines that actors and guests logged, for {@code kelpie:tail}: a {@link java.util.logging} handler on
 * the logger {@code kelpie} (actors log to {@code kelpie.actor.<type>}, guests' consoles and other guests to
 * {@code kelpie.guest.<module>}; System.Logger is java.util.logging unless a bridge replaces it), keeping at
 * most {@code capacity} lines of at most {@value #MAX_LINE_CHARS} characters each.
 */
final class ActorLogBuffer extends Handler {
    static final String LOGGER = "kelpie";
    static final int MAX_LINE_CHARS = 2048;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    private static final Formatter MESSAGE = new Formatter() {
        @Override
        public String format(LogRecord r) {
            return formatMessage(r);
        }
    };

    private final int capacity;
    private final ArrayDeque<String> lines;
    /** Held so that the logger (and with it this handler) is not collected. */
    private Logger logger;
    private long dropped;

    ActorLogBuffer(int capacity) {
        if (capacity < 1 || capacity > 100_000) {
            throw new IllegalArgumentException("tail buffer of " + capacity + " lines; 1 to 100000");
        }
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** Starts collecting. */
    ActorLogBuffer attach() {
        logger = Logger.getLogger(LOGGER);
        logger.addHandler(this);
        return this;
    }

    /** Stops collecting. */
    void detach() {
        Logger l = logger;
        if (l != null) {
            l.removeHandler(this);
        }
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || r.getLoggerName() == null) {
            return;
        }
        String name = r.getLoggerName();
        String source = name.startsWith("kelpie.actor.") ? name.substring("kelpie.actor.".length())
                : name.startsWith("kelpie.guest.") ? "guest " + name.substring("kelpie.guest.".length()) : null;
        if (source == null) {
            return; // the runtime's own loggers are not actor logs
        }
        String message = MESSAGE.format(r).replace('\n', ' ');
        if (message.length() > MAX_LINE_CHARS) {
            message = message.substring(0, MAX_LINE_CHARS) + "…";
        }
        String line = TIME.format(Instant.ofEpochMilli(r.getMillis())) + " " + r.getLevel().getName() + " "
                + source + " " + message;
        add(line);
    }

    synchronized void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
            dropped++;
        }
        lines.addLast(line);
    }

    /** The last {@code n} lines containing {@code filter} (all lines for null or empty), oldest first. */
    synchronized List<String> last(int n, String filter) {
        List<String> matching = new ArrayList<>();
        var it = lines.descendingIterator();
        while (it.hasNext() && matching.size() < n) {
            String line = it.next();
            if (filter == null || filter.isEmpty() || line.contains(filter)) {
                matching.add(line);
            }
        }
        java.util.Collections.reverse(matching);
        return matching;
    }

    synchronized long dropped() {
        return dropped;
    }

    int capacity() {
        return capacity;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        detach();
    }
}
