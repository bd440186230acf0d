package dev.kelpie.shell;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Gogo command {@code kelpie:tail}: the last lines actors and guests logged (the {@code log} host functions,
 * {@code __console_log}, WASI stdout/stderr), from a bounded buffer that fills while the shell bundle runs.
 */
@Component(service = Object.class, immediate = true, configurationPid = TailCommand.PID, property = {
    KelpieCommands.SCOPE_PROPERTY + "=" + KelpieCommands.SCOPE,
    "osgi.command.function=tail"
})
@Designate(ocd = TailCommand.Config.class)
public final class TailCommand {
    public static final String PID = "dev.kelpie.shell.tail";
    static final int DEFAULT_LINES = 20;

    /** ConfigAdmin configuration of the tail buffer. */
    @ObjectClassDefinition(name = "Kelpie shell: actor log tail")
    public @interface Config {
        @AttributeDefinition(description = "Log lines kelpie:tail keeps (1 to 100000; each cut at 2048 characters)")
        int buffer__lines() default 1000;
    }

    private final ActorLogBuffer buffer;

    @Activate
    public TailCommand(Config config) {
        this(new ActorLogBuffer(config.buffer__lines()));
    }

    TailCommand(ActorLogBuffer buffer) {
        this.buffer = buffer.attach();
    }

    @Deactivate
    void deactivate() {
        buffer.detach();
    }

    @Descriptor("print the last lines actors and guests logged (kelpie:tail -n 50 counter:c1)")
    public String tail(
            @Descriptor("how many lines (default 20)") @Parameter(names = {"-n", "--lines"}, absentValue = "20") int lines,
            @Descriptor("only lines containing this text, e.g. an actor type or counter:c1") String filter) {
        if (lines < 1) {
            throw new CommandException("bad line count " + lines + ": at least 1");
        }
        List<String> last = buffer.last(Math.min(lines, buffer.capacity()), filter);
        if (last.isEmpty()) {
            return filter == null || filter.isEmpty() ? "no actor log lines yet" : "no actor log lines contain '" + filter + "'";
        }
        return String.join("\n", last);
    }

    @Descriptor("print the last lines actors and guests logged")
    public String tail(
            @Descriptor("how many lines (default 20)") @Parameter(names = {"-n", "--lines"}, absentValue = "20") int lines) {
        return tail(lines, null);
    }
}
