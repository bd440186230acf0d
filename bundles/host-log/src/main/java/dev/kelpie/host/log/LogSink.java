package dev.kelpie.host.log;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;

/** Where guest log lines go: {@link #SYSTEM} (System.Logger) in production, a capture in tests. */
interface LogSink {
    boolean isLoggable(String loggerName, Level level);

    void log(String loggerName, Level level, String message);

    /** Logs through {@link System#getLogger(String)}, caching the loggers by name. */
    LogSink SYSTEM = new LogSink() {
        /** Actor types and module names are few; the cap only guards against an unbounded stream of names. */
        private static final int MAX_CACHED = 4096;

        private final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();

        private Logger logger(String name) {
            Logger logger = loggers.get(name);
            if (logger == null) {
                if (loggers.size() >= MAX_CACHED) {
                    loggers.clear();
                }
                logger = loggers.computeIfAbsent(name, System::getLogger);
            }
            return logger;
        }

        @Override
        public boolean isLoggable(String loggerName, Level level) {
            return logger(loggerName).isLoggable(level);
        }

        @Override
        public void log(String loggerName, Level level, String message) {
            logger(loggerName).log(level, message);
        }
    };
}
