package dev.kelpie.timers.internal;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorLifecycleListener;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.state.StateStore;
import dev.kelpie.timers.ActorReminders;
import dev.kelpie.timers.ActorTimers;
import dev.kelpie.timers.Reminder;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The timers and reminders of the actor runtime: one scheduler, the in-memory {@link TimerTable} and the
 * durable {@link ReminderTable}. It listens to the runtime's lifecycle to end an actor's timers at passivation,
 * and loads the stored reminders when it starts. In OSGi a DS component; embedded, construct it and add it to
 * the runtime as a lifecycle listener ({@code KelpieActorRuntime.addLifecycleListener}).
 *
 * <p>Reminders are kept in the {@link StateStore} of reference {@code store}: by default the member-local MVStore
 * ({@value #STORE_TARGET}), also in a cluster, where the clustered store runs beside it (a reminder then fires
 * on the member that stored it, and its message is routed to the actor's member). The configuration property
 * {@code store.target} (DS's target of the reference) picks another store by filter.
 */
@Component(service = {ActorTimers.class, ActorReminders.class, ActorLifecycleListener.class},
        configurationPid = KelpieTimers.PID, immediate = true)
@Designate(ocd = KelpieTimers.Config.class)
public final class KelpieTimers implements ActorTimers, ActorReminders, ActorLifecycleListener, AutoCloseable {
    public static final String PID = "dev.kelpie.timers";
    /** The store reminders are kept in unless {@code store.target} says otherwise: the member's own MVStore. */
    public static final String STORE_TARGET = "(" + StateStore.NAME + "=mvstore)";
    private static final System.Logger LOG = System.getLogger("kelpie.timers");

    /** ConfigAdmin configuration of timers and reminders. */
    @ObjectClassDefinition(name = "Kelpie timers and reminders")
    public @interface Config {
        @AttributeDefinition(description = "Timers one actor may have at once")
        int max__timers__per__actor() default 100;

        @AttributeDefinition(description = "Timers of all actors together")
        int max__timers() default 100_000;

        @AttributeDefinition(description = "Reminders one actor may have")
        int max__reminders__per__actor() default 100;

        @AttributeDefinition(description = "Reminders of all actors together")
        int max__reminders() default 100_000;

        @AttributeDefinition(description = "Shortest period of a periodic timer or reminder, in milliseconds")
        long min__period__ms() default 100;

        @AttributeDefinition(description = "Longest delay or period, in days")
        int max__delay__days() default 365;

        @AttributeDefinition(description = "Largest payload of a timer or reminder message, in bytes")
        int max__payload__bytes() default 64 * 1024;

        @AttributeDefinition(description = "Threads that fire timers and reminders (1 to 16)")
        int scheduler__threads() default 1;

        @AttributeDefinition(description = "First delay before an undelivered reminder is sent again, in ms (it doubles)")
        long retry__delay__ms() default 1000;

        @AttributeDefinition(description = "Longest delay between retries of an undelivered reminder, in ms")
        long max__retry__delay__ms() default 60_000;
    }

    private final TimerSettings settings;
    private final Supplier<ActorRuntime> runtime;
    private final Scheduler scheduler;
    private final TimerTable timers;
    private final ReminderTable reminders;

    /**
     * The runtime is taken lazily, when a timer or reminder first fires: the runtime binds this component as its
     * lifecycle listener while it activates, so getting it here would be a cycle.
     */
    @Activate
    public KelpieTimers(BundleContext context, @Reference(service = ActorRuntime.class) ServiceReference<ActorRuntime> runtime,
            @Reference(name = "store", target = STORE_TARGET) StateStore store, Config config) {
        this(new LazyService<>(context, runtime), store, new TimerSettings(config.max__timers__per__actor(), config.max__timers(),
                config.max__reminders__per__actor(), config.max__reminders(), Duration.ofMillis(config.min__period__ms()),
                Duration.ofDays(config.max__delay__days()), config.max__payload__bytes(), config.scheduler__threads(),
                Duration.ofMillis(config.retry__delay__ms()), Duration.ofMillis(config.max__retry__delay__ms())));
    }

    public KelpieTimers(ActorRuntime runtime, StateStore store, TimerSettings settings) {
        this(() -> runtime, store, settings);
    }

    private KelpieTimers(Supplier<ActorRuntime> runtime, StateStore store, TimerSettings settings) {
        this(runtime, store, settings, new ExecutorScheduler(settings.schedulerThreads()));
    }

    KelpieTimers(ActorRuntime runtime, StateStore store, TimerSettings settings, Scheduler scheduler) {
        this(() -> runtime, store, settings, scheduler);
    }

    private KelpieTimers(Supplier<ActorRuntime> runtime, StateStore store, TimerSettings settings, Scheduler scheduler) {
        this.settings = settings;
        this.runtime = runtime;
        this.scheduler = scheduler;
        this.timers = new TimerTable(scheduler, runtime, settings);
        this.reminders = new ReminderTable(scheduler, runtime, store, settings);
        int loaded = reminders.load();
        if (loaded > 0) {
            LOG.log(System.Logger.Level.INFO, "loaded " + loaded + " stored reminder(s)");
        }
    }

    /** A service got on first use and kept (the component ends when the service goes away). */
    private static final class LazyService<S> implements Supplier<S> {
        private final BundleContext context;
        private final ServiceReference<S> reference;
        private volatile S service;

        LazyService(BundleContext context, ServiceReference<S> reference) {
            this.context = context;
            this.reference = reference;
        }

        @Override
        public S get() {
            S s = service;
            if (s == null) {
                s = context.getService(reference);
                if (s == null) {
                    throw new IllegalStateException("the actor runtime service is gone");
                }
                service = s;
            }
            return s;
        }

        void release() {
            if (service != null) {
                service = null;
                context.ungetService(reference);
            }
        }
    }

    TimerSettings settings() {
        return settings;
    }

    // ---- timers ----

    @Override
    public void setTimer(ActorId actor, String name, String operation, Duration delay, Duration period, byte[] payload) {
        timers.set(ScheduleRequest.of("timer", actor, name, operation, delay, period, payload, settings));
    }

    @Override
    public boolean cancelTimer(ActorId actor, String name) {
        return timers.cancel(actor, name);
    }

    @Override
    public List<String> timers(ActorId actor) {
        return timers.names(actor);
    }

    @Override
    public void passivated(ActorId actor) {
        timers.passivated(actor);
    }

    // ---- reminders ----

    @Override
    public void setReminder(ActorId actor, String name, String operation, Duration delay, Duration period, byte[] payload) {
        reminders.set(ScheduleRequest.of("reminder", actor, name, operation, delay, period, payload, settings));
    }

    @Override
    public boolean cancelReminder(ActorId actor, String name) {
        return reminders.cancel(actor, name);
    }

    @Override
    public List<Reminder> reminders(ActorId actor) {
        return reminders.list(actor);
    }

    @Override
    public List<Reminder> reminders() {
        return reminders.list();
    }

    /** Stops firing; stored reminders stay for the next start. */
    @Deactivate
    @Override
    public void close() {
        timers.clear();
        reminders.close();
        scheduler.close();
        if (runtime instanceof LazyService<ActorRuntime> lazy) {
            lazy.release();
        }
    }
}
