package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.timers.ActorReminders;
import dev.kelpie.timers.Reminder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The Gogo command {@code kelpie:reminders}: the stored reminders, of every actor or of one. */
@Component(service = Object.class, property = {
    "osgi.command.scope=kelpie",
    "osgi.command.function=reminders"
})
public final class RemindersCommand {
    private final ActorReminders reminders;

    @Activate
    public RemindersCommand(@Reference ActorReminders reminders) {
        this.reminders = reminders;
    }

    @Descriptor("list the durable reminders of every actor")
    public String reminders() {
        return table(reminders.reminders(), Instant.now());
    }

    @Descriptor("list the durable reminders of one actor")
    public String reminders(@Descriptor("the actor, type:id") String actor) {
        ActorId id;
        try {
            id = ActorId.parse(actor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad actor '" + actor + "': " + e.getMessage());
        }
        return table(reminders.reminders(id), Instant.now());
    }

    static String table(List<Reminder> list, Instant now) {
        if (list.isEmpty()) {
            return "no reminders";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ACTOR", "NAME", "OPERATION", "DUE", "IN(s)", "PERIOD", "PAYLOAD(B)", "RETRIES"});
        for (Reminder r : list) {
            long in = Math.max(0, Duration.between(now, r.due()).toSeconds());
            rows.add(new String[] {r.actor().toString(), r.name(), r.operation(),
                r.due().truncatedTo(ChronoUnit.SECONDS).toString(), Long.toString(in),
                r.period().isZero() ? "once" : format(r.period()), Integer.toString(r.payload().length),
                Integer.toString(r.failedAttempts())});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]).append(" ".repeat(widths[i] - row[i].length())).append(i < row.length - 1 ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString().stripTrailing();
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
