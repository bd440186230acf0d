package dev.kelpie.shell;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.cluster.ClusterView;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import dev.kelpie.api.actor.ActorTypeStats;
import dev.kelpie.api.host.HostFunctionKey;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import dev.kelpie.api.module.ModuleRejectedException;
import dev.kelpie.api.module.ModuleRejectedException.Reason;
import dev.kelpie.api.wapc.WapcHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Kelpie's Gogo commands, scope {@code kelpie}: install WASM modules as actor types, invoke and inspect
 * actors, list modules, types, host functions, guest adapters and stats.
 *
 * <p>Every command returns the text to print; every failure is a {@link CommandException} whose one-line
 * message names what was wrong. The class is plain Java (usable without OSGi: construct it with a registry,
 * runtime, waPC host and module deployer); in OSGi it is a Declarative Services component that Gogo finds by its
 * {@code osgi.command.*} properties, immediate: created once when its references are there and kept (a delayed
 * one nobody holds between commands would be created for every command Gogo runs and dropped after it). Gogo's own {@code install} command ({@code felix:install}) has the
 * same name: type {@code kelpie:install} (and {@code kelpie:uninstall}) to be sure to get these.
 */
@Component(service = Object.class, immediate = true, property = {
    KelpieCommands.SCOPE_PROPERTY + "=" + KelpieCommands.SCOPE,
    "osgi.command.function=install",
    "osgi.command.function=uninstall",
    "osgi.command.function=modules",
    "osgi.command.function=types",
    "osgi.command.function=invoke",
    "osgi.command.function=actors",
    "osgi.command.function=deactivate",
    "osgi.command.function=hostfns",
    "osgi.command.function=adapters",
    "osgi.command.function=stats",
    "osgi.command.function=complete"
})
public final class KelpieCommands {
    static final String SCOPE_PROPERTY = "osgi.command.scope";
    static final String SCOPE = "kelpie";
    /** The command names, as registered in {@code osgi.command.function}. */
    public static final List<String> FUNCTIONS = List.of(
            "install", "uninstall", "modules", "types", "invoke", "actors", "deactivate", "hostfns", "adapters", "stats",
            "complete");
    /** Operations remembered per type for completion, and types remembered: bounded. */
    static final int MAX_REMEMBERED_OPERATIONS = 64;
    static final int MAX_REMEMBERED_TYPES = 1024;

    private static final Set<String> URL_SCHEMES = Set.of("file", "http", "https", "jar");
    private static final Pattern URL_LIKE = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);
    private static final String HEX_PREFIX = "hex:";
    private static final HexFormat HEX = HexFormat.of();
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    /** Longest a whole URL download may take (each read is bounded by {@link #READ_TIMEOUT_MILLIS} too). */
    private static final long DOWNLOAD_DEADLINE_MILLIS = 120_000;
    /** How long invoke waits past the type's invocation timeout, for the time a message spends queued. */
    static final Duration INVOKE_ALLOWANCE = Duration.ofSeconds(30);

    private final ModuleRegistry registry;
    private final ActorRuntime runtime;
    private final WapcHost host;
    private final ModuleDeployer deployer;
    /** Operations that answered through {@code invoke}, per type: the console completes them. */
    private final java.util.concurrent.ConcurrentHashMap<String, Set<String>> operationsSeen = new java.util.concurrent.ConcurrentHashMap<>();
    /** The cluster, when this framework is a member: {@code actors} then names the member. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ClusterView cluster;
    /** For tests in this package: how long invoke waits past the invocation timeout. */
    Duration invokeAllowance = INVOKE_ALLOWANCE;

    @Activate
    public KelpieCommands(@Reference ModuleRegistry registry, @Reference ActorRuntime runtime, @Reference WapcHost host,
            @Reference ModuleDeployer deployer) {
        this.registry = Objects.requireNonNull(registry, "module registry");
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.host = Objects.requireNonNull(host, "waPC host");
        this.deployer = Objects.requireNonNull(deployer, "module deployer");
    }

    // ---------------------------------------------------------------------------------------------
    // install / uninstall

    /**
     * Installs a module from a file or URL and deploys it as an actor type named after the file.
     *
     * @see #install(String, String, String, String, String, String, String, String)
     */
    @Descriptor("install a WASM module (file, file:, http:, https: or jar: URL) as an actor type named after the file")
    public String install(
            @Descriptor(TIMEOUT) @Parameter(names = "--timeout", absentValue = "") String timeout,
            @Descriptor(MEMORY) @Parameter(names = "--memory", absentValue = "") String memory,
            @Descriptor(MAILBOX) @Parameter(names = "--mailbox", absentValue = "") String mailbox,
            @Descriptor(PAYLOAD) @Parameter(names = "--payload", absentValue = "") String payload,
            @Descriptor(IDLE) @Parameter(names = "--idle", absentValue = "") String idle,
            @Descriptor(ARGS) @Parameter(names = "--args", absentValue = "") String args,
            @Descriptor(ENV) @Parameter(names = "--env", absentValue = "") String env,
            @Descriptor(DIR) @Parameter(names = "--dir", absentValue = "") String dir,
            @Descriptor(DIR_QUOTA) @Parameter(names = "--dir-quota", absentValue = "") String dirQuota,
            @Descriptor("path or URL of the .wasm file (or .py: a Python actor)") String source) {
        return install(timeout, memory, mailbox, payload, idle, args, env, dir, dirQuota, source, null);
    }

    /**
     * Installs a module from a file or URL into the registry and deploys it as actor type {@code type}. An
     * existing type of that name is hot-swapped to the new module (keeping its limits and host namespaces).
     * A module that cannot be read, is not WebAssembly, is over the size cap, invalid, or cannot be
     * instantiated changes nothing.
     *
     * @see #install(String, String, String, String, String, String, String, String)
     */
    @Descriptor("install a WASM module (file, file:, http:, https: or jar: URL) as actor type <type>; an existing type is hot-swapped")
    public String install(
            @Descriptor(TIMEOUT) @Parameter(names = "--timeout", absentValue = "") String timeout,
            @Descriptor(MEMORY) @Parameter(names = "--memory", absentValue = "") String memory,
            @Descriptor(MAILBOX) @Parameter(names = "--mailbox", absentValue = "") String mailbox,
            @Descriptor(PAYLOAD) @Parameter(names = "--payload", absentValue = "") String payload,
            @Descriptor(IDLE) @Parameter(names = "--idle", absentValue = "") String idle,
            @Descriptor(ARGS) @Parameter(names = "--args", absentValue = "") String args,
            @Descriptor(ENV) @Parameter(names = "--env", absentValue = "") String env,
            @Descriptor(DIR) @Parameter(names = "--dir", absentValue = "") String dir,
            @Descriptor(DIR_QUOTA) @Parameter(names = "--dir-quota", absentValue = "") String dirQuota,
            @Descriptor("path or URL of the .wasm file (or .py: a Python actor)") String source,
            @Descriptor("actor type name, [A-Za-z0-9._-]") String type) {
        return install(timeout, memory, mailbox, payload, idle, args, env, dir, dirQuota, source, type, null);
    }

    /**
     * Installs and deploys like {@link #install(String, String, String, String, String, String, String)},
     * declaring the host namespaces the type may call besides the core ones (state, log, clock, random);
     * without them a new type may call only the core namespaces. The options set the type's limits
     * ({@code --timeout 5s --memory 64MiB --mailbox 100 --payload 64KiB --idle 5m}, the notation of the
     * {@code Kelpie-Module} header); an option not given keeps the replaced type's limit, else the runtime's
     * default. An empty option value counts as not given.
     */
    @Descriptor("install a WASM module as actor type <type> that may call the given host namespaces besides the core ones")
    public String install(
            @Descriptor(TIMEOUT) @Parameter(names = "--timeout", absentValue = "") String timeout,
            @Descriptor(MEMORY) @Parameter(names = "--memory", absentValue = "") String memory,
            @Descriptor(MAILBOX) @Parameter(names = "--mailbox", absentValue = "") String mailbox,
            @Descriptor(PAYLOAD) @Parameter(names = "--payload", absentValue = "") String payload,
            @Descriptor(IDLE) @Parameter(names = "--idle", absentValue = "") String idle,
            @Descriptor(ARGS) @Parameter(names = "--args", absentValue = "") String args,
            @Descriptor(ENV) @Parameter(names = "--env", absentValue = "") String env,
            @Descriptor(DIR) @Parameter(names = "--dir", absentValue = "") String dir,
            @Descriptor(DIR_QUOTA) @Parameter(names = "--dir-quota", absentValue = "") String dirQuota,
            @Descriptor("path or URL of the .wasm file (or .py: a Python actor)") String source,
            @Descriptor("actor type name, [A-Za-z0-9._-]") String type,
            @Descriptor("comma-separated host namespaces, e.g. actors,greeting or sample:namespace") String namespaces) {
        LimitOptions limits = new LimitOptions(timeout, memory, mailbox, payload, idle);
        EnvironmentOptions environment = new EnvironmentOptions(args, env, dir, dirQuota);
        return guarded("install", () -> doInstall(source, type, namespaces, limits, environment));
    }

    /** {@code install} with limit options only (Java callers and tests). */
    String install(String timeout, String memory, String mailbox, String payload, String idle, String source, String type) {
        return install(timeout, memory, mailbox, payload, idle, "", "", "", "", source, type);
    }

    /** {@code install <source>} without options (Java callers and tests). */
    String install(String source) {
        return install("", "", "", "", "", "", "", "", "", source);
    }

    /** {@code install <source> <type>} without options (Java callers and tests). */
    String install(String source, String type) {
        return install("", "", "", "", "", "", "", "", "", source, type);
    }

    /** {@code install <source> <type> <namespaces>} without options (Java callers and tests). */
    String install(String source, String type, String namespaces) {
        return install("", "", "", "", "", "", "", "", "", source, type, namespaces);
    }

    private static final String TIMEOUT = "invocation timeout, e.g. 5s, 500ms, 1m";
    private static final String MEMORY = "linear memory cap, e.g. 64MiB";
    private static final String MAILBOX = "messages that may wait for one actor, e.g. 100";
    private static final String PAYLOAD = "largest request payload and state value, e.g. 64KiB";
    private static final String IDLE = "passivate an actor idle this long, e.g. 5m";
    private static final String ARGS = "WASI arguments (argv), comma-separated, e.g. \"echo,--verbose\"";
    private static final String ENV = "WASI environment variables, comma-separated, e.g. \"MODE=demo,LANG=C\"";
    private static final String DIR = "a WASI directory under the runtime's WASI root, seen at /data; :rw to write, e.g. files/echo:rw";
    private static final String DIR_QUOTA = "bytes a writable WASI directory may hold, e.g. 16MiB";

    /**
     * Undeploys an actor type (its active actors passivate) and removes its module from the registry when
     * no other deployed type runs it.
     */
    @Descriptor("undeploy an actor type (its actors passivate) and remove its module when no other type uses it")
    public String uninstall(@Descriptor("actor type name") String type) {
        return guarded("uninstall", () -> doUninstall(type));
    }

    // ---------------------------------------------------------------------------------------------
    // listings

    /**
     * Installed modules: name, hash, size, language, the guest adapter that links its instances ({@code -}:
     * waPC imports only), execution mode, the deployed types running each, and whether new instances start
     * from a memory image of an initialised one ({@code yes}, {@code no (why)}, {@code off}, or {@code -} before
     * the first instance).
     */
    @Descriptor("list installed WASM modules and the actor types running them")
    public String modules() {
        return guarded("modules", () -> {
            List<ModuleDescriptor> modules = registry.list();
            if (modules.isEmpty()) {
                return "(no modules installed)";
            }
            List<ActorType> types = runtime.types();
            Table table = new Table("NAME", "SHA256", "SIZE", "LANGUAGE", "ADAPTER", "MODE", "TYPES", "IMAGE").right(2);
            for (ModuleDescriptor m : modules) {
                String users = types.stream().filter(t -> m.hash().equals(t.module())).map(ActorType::name)
                        .sorted().collect(Collectors.joining(","));
                table.add(m.name(), m.hash().shortHex(), m.sizeBytes(), m.guestLanguage(),
                        host.guestAdapterFor(m).orElse("-"), m.executionMode().name().toLowerCase(Locale.ROOT),
                        users.isEmpty() ? "-" : users, host.memoryImage(m));
            }
            return table.render();
        });
    }

    /**
     * Deployed actor types: what runs them, their invocation timeout, memory cap, mailbox and host namespaces;
     * then, for the types given one, their WASI arguments, environment variables and directory.
     */
    @Descriptor("list deployed actor types and their limits")
    public String types() {
        return guarded("types", () -> {
            List<ActorType> types = runtime.types();
            if (types.isEmpty()) {
                return "(no actor types deployed)";
            }
            Table table = new Table("TYPE", "RUNS", "TIMEOUT", "MEMORY", "MAILBOX", "NAMESPACES").right(2, 3, 4);
            for (ActorType t : types) {
                ActorLimits l = t.limits();
                table.add(t.name(), runs(t), duration(l.invocationTimeout()), bytes(l.maxMemoryBytes()),
                        l.mailboxCapacity(), namespaces(t));
            }
            StringBuilder out = new StringBuilder(table.render());
            // what WASI types were given, below the table (most types have nothing)
            List<ActorType> given = types.stream().filter(t -> !t.environment().isEmpty()).collect(Collectors.toList());
            if (!given.isEmpty()) {
                out.append(out.toString().endsWith("\n") ? "" : "\n").append("WASI environments:");
                for (ActorType t : given) {
                    out.append("\n  ").append(t.name()).append(": ").append(t.environment().describe());
                }
            }
            return out.toString();
        });
    }

    /** Active actors: what runs them, queued messages, turns in this activation, idle seconds, guest memory. */
    @Descriptor("list active actors")
    public String actors() {
        return guarded("actors", () -> {
            List<ActiveActor> actors = runtime.actors();
            if (actors.isEmpty()) {
                return "(no active actors)";
            }
            Instant now = Instant.now();
            ClusterView c = cluster;
            if (c != null) { // a cluster member lists its own activations; kelpie:where finds any actor's member
                String member = c.localMember().address();
                Table table = new Table("ACTOR", "MEMBER", "RUNS", "QUEUED", "TURNS", "IDLE(s)", "MEMORY(KiB)").right(3, 4, 5, 6);
                for (ActiveActor a : actors) {
                    long idle = a.lastActiveAt() == null ? 0 : Math.max(0, Duration.between(a.lastActiveAt(), now).toSeconds());
                    table.add(a.id(), member, a.runsOn(), a.queued(), a.turns(), idle, (long) a.memoryPages() * 64);
                }
                return table.render();
            }
            Table table = new Table("ACTOR", "RUNS", "QUEUED", "TURNS", "IDLE(s)", "MEMORY(KiB)").right(2, 3, 4, 5);
            for (ActiveActor a : actors) {
                long idle = a.lastActiveAt() == null ? 0 : Math.max(0, Duration.between(a.lastActiveAt(), now).toSeconds());
                table.add(a.id(), a.runsOn(), a.queued(), a.turns(), idle, (long) a.memoryPages() * 64);
            }
            return table.render();
        });
    }

    /** Host functions guests can call now: binding, namespace, operation. */
    @Descriptor("list the host functions guests can call")
    public String hostfns() {
        return guarded("hostfns", () -> {
            List<HostFunctionKey> keys = new ArrayList<>(host.hostFunctions());
            if (keys.isEmpty()) {
                return "(no host functions)";
            }
            keys.sort((a, b) -> a.toString().compareTo(b.toString()));
            Table table = new Table("BINDING", "NAMESPACE", "OPERATION");
            keys.forEach(k -> table.add(k.binding(), k.namespace(), k.operation()));
            return table.render();
        });
    }

    /** The guest adapters available now (by language) and the imports each supplies besides waPC's. */
    @Descriptor("list the guest adapters and the imports each supplies")
    public String adapters() {
        return guarded("adapters", () -> {
            java.util.Map<String, List<String>> supplies = host.guestAdapterSupplies();
            if (supplies.isEmpty()) {
                return "(none)";
            }
            Table table = new Table("ADAPTER", "SUPPLIES");
            new java.util.TreeMap<>(supplies).forEach((language, imports) ->
                    table.add(language, imports.isEmpty() ? "-" : String.join(" ", imports)));
            return table.render();
        });
    }

    /**
     * Per actor type: invocations, failures, timeouts, rejections, active actors, latency percentiles and the
     * output lines dropped by the rate limit.
     */
    @Descriptor("show invocation counters and latencies per actor type")
    public String stats() {
        return guarded("stats", () -> {
            List<ActorTypeStats> stats = runtime.stats();
            if (stats.isEmpty()) {
                return "(no actor types deployed)";
            }
            Table table = new Table("TYPE", "INVOCATIONS", "FAILURES", "TIMEOUTS", "REJECTED", "ACTIVE",
                    "P50(µs)", "P99(µs)", "MAX(µs)", "DROPPED-LINES").right(1, 2, 3, 4, 5, 6, 7, 8, 9);
            for (ActorTypeStats s : stats) {
                table.add(s.type(), s.invocations(), s.failures(), s.timeouts(), s.rejected(), s.activeActors(),
                        s.p50Micros(), s.p99Micros(), s.maxMicros(), s.droppedOutputLines());
            }
            return table.render();
        });
    }

    // ---------------------------------------------------------------------------------------------
    // actors

    /** Invokes an actor with an empty payload. */
    @Descriptor("invoke an actor with an empty payload and print its response")
    public String invoke(@Descriptor("actor type") String type, @Descriptor("actor id") String id,
            @Descriptor("operation") String operation) {
        return invoke(type, id, operation, null);
    }

    /**
     * Invokes an actor and waits for its response: printed as text when it is UTF-8 without control
     * characters (other than newline, carriage return and tab), else as {@code hex:} and lower-case hex;
     * {@code (empty)} when empty. A payload starting with {@code hex:} is sent as the bytes its hex digits
     * spell; any other payload is sent as UTF-8.
     */
    @Descriptor("invoke an actor and print its response (text, or hex:... for binary)")
    public String invoke(@Descriptor("actor type") String type, @Descriptor("actor id") String id,
            @Descriptor("operation") String operation,
            @Descriptor("payload: text (sent as UTF-8) or hex:<hex digits> for bytes") String payload) {
        return guarded("invoke", () -> {
            ActorId actor = actorId(type, id);
            byte[] request = payload(payload);
            String op = operation == null ? "" : operation;
            // an activation and a turn have one invocation timeout each; with the runtime's defaults (30 s, and
            // an allowance of 30 s) this is what ActorRef.call waits, and long enough for the runtime to run an
            // idle actor's turn on this thread (its caller-runs path): no hand-off to a worker and back
            Duration wait = runtime.type(actor.type()).map(t -> t.limits().invocationTimeout())
                    .orElse(runtime.defaultLimits().invocationTimeout()).multipliedBy(2).plus(invokeAllowance);
            byte[] response;
            try {
                response = runtime.ref(actor).call(op, request, wait);
            } catch (ActorInvocationException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CommandException("invoke: interrupted while waiting for actor " + actor + ", operation '"
                            + op + "'; the message may still run");
                }
                if (e.reason() == ActorInvocationException.Reason.TIMEOUT && e.getCause() == null) {
                    // the wait ran out (a turn's own timeout is the actor's failure, handed on as the cause)
                    throw new CommandException("invoke: no answer from actor " + actor + ", operation '" + op + "' within "
                            + duration(wait) + " (twice its type's invocation timeout, for the activation and the turn,"
                            + " plus " + duration(invokeAllowance) + " for queueing); the message may still run");
                }
                throw new CommandException(e.getMessage());
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new CommandException("invoke failed: actor " + actor + ", operation '" + op + "': " + describe(cause));
            }
            rememberOperation(actor.type(), op);
            return render(response);
        });
    }

    private void rememberOperation(String type, String operation) {
        if (operationsSeen.size() >= MAX_REMEMBERED_TYPES && !operationsSeen.containsKey(type)) {
            return;
        }
        Set<String> ops = operationsSeen.computeIfAbsent(type, t -> java.util.concurrent.ConcurrentHashMap.newKeySet());
        if (ops.size() < MAX_REMEMBERED_OPERATIONS) {
            ops.add(operation);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // completion

    /**
     * Completion candidates for the interactive console, one per line, sorted: {@code types}; {@code modules}
     * (installed module names); {@code actors} (active actors as type:id).
     */
    @Descriptor("completion candidates for the console, one per line: types, modules, actors")
    public String complete(@Descriptor("types, modules or actors") String kind) {
        return complete(kind, "");
    }

    /**
     * Completion candidates of a type: {@code actors <type>} (ids of its active actors) and {@code operations
     * <type>} (the operations that answered through {@code kelpie:invoke} since the shell started: waPC guests
     * register their operations at run time, so nothing lists them beforehand).
     */
    @Descriptor("completion candidates for the console, one per line: actors <type> (active ids), operations <type>")
    public String complete(@Descriptor("types, modules, actors or operations") String kind,
            @Descriptor("actor type (for actors and operations)") String type) {
        TreeSet<String> candidates = new TreeSet<>();
        String t = type == null ? "" : type;
        switch (kind == null ? "" : kind) {
            case "types" -> runtime.types().forEach(x -> candidates.add(x.name()));
            case "modules" -> registry.list().forEach(m -> candidates.add(m.name()));
            case "actors" -> runtime.actors().forEach(a -> {
                if (t.isEmpty()) {
                    candidates.add(a.id().toString());
                } else if (a.id().type().equals(t)) {
                    candidates.add(a.id().id());
                }
            });
            case "operations" -> candidates.addAll(operationsSeen.getOrDefault(t, Set.of()));
            default -> throw new CommandException("complete: unknown kind '" + kind + "' (types, modules, actors, operations)");
        }
        return String.join("\n", candidates);
    }

    /** Passivates one actor after the messages already queued for it. */
    @Descriptor("passivate one actor after its queued messages")
    public String deactivate(@Descriptor("actor type") String type, @Descriptor("actor id") String id) {
        return guarded("deactivate", () -> {
            ActorId actor = actorId(type, id);
            Duration wait = runtime.type(actor.type()).map(t -> t.limits().invocationTimeout())
                    .orElse(runtime.defaultLimits().invocationTimeout()).plusSeconds(5);
            boolean wasActive;
            try {
                wasActive = runtime.deactivate(actor).toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new CommandException("deactivate: " + actor + " did not passivate within " + duration(wait)
                        + " (messages queued before it are still running); it will passivate after them");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandException("deactivate: interrupted while waiting for " + actor + " to passivate");
            } catch (ExecutionException e) {
                throw new CommandException("deactivate: " + actor + ": " + describe(e.getCause() == null ? e : e.getCause()));
            }
            return wasActive ? "deactivated " + actor : actor + " was not active";
        });
    }

    // ---------------------------------------------------------------------------------------------
    // install details

    private String doInstall(String source, String type, String namespaces, LimitOptions limitOptions,
            EnvironmentOptions environment) {
        if (source == null || source.isBlank()) {
            throw new CommandException("install needs a file or URL: install <file-or-url> [type]");
        }
        Source from = Source.parse(source.trim());
        String typeName = type == null ? defaultTypeName(from) : checkTypeName(type);
        byte[] bytes = from.read(registry.maxModuleBytes());
        // a new type may call only the core host namespaces unless the command declares more; a hot swap
        // keeps the type's limits and namespaces (the deployer's defaults) unless the command sets them
        ActorLimits limits = limitOptions.isEmpty() ? null : limitOptions.applyTo(
                runtime.type(typeName).map(ActorType::limits).orElseGet(runtime::defaultLimits));
        DeployRequest request = DeployRequest.of(typeName, from.name, bytes).withLimits(limits)
                .withHostNamespaces(namespaces == null ? null : parseNamespaces(namespaces))
                .withEnvironment(environment.toEnvironment());
        DeployResult r;
        try {
            r = deployer.deploy(request);
        } catch (DeploymentException e) {
            // a module the registry rejects is reported as the registry words it
            throw new CommandException(e.reason() == DeploymentException.Reason.REJECTED
                    && e.getCause() instanceof ModuleRejectedException ? e.getCause().getMessage() : e.getMessage());
        }
        ModuleDescriptor d = r.module();
        StringBuilder out = new StringBuilder("installed ").append(typeName).append(": ").append(d.name())
                .append(" sha256 ").append(d.hash().shortHex()).append(" (").append(d.sizeBytes()).append(" bytes, ")
                .append(d.guestLanguage()).append(", compiled in ").append(d.compileMillis()).append(" ms")
                .append(r.moduleAdded() ? "" : ", already installed").append(')');
        ActorType old = r.replaced();
        if (old != null) {
            if (!old.isWasm()) {
                out.append(" (replaced native)");
            } else if (old.module().equals(d.hash())) {
                out.append(" (unchanged: the type already ran this module)");
            } else {
                out.append(" (replaced ").append(old.module().shortHex()).append(')');
            }
        }
        return out.toString();
    }

    /** The comma-separated namespaces; the deployer checks each (one rule for every way of deploying). */
    private static Set<String> parseNamespaces(String text) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String ns : text.split(",")) {
            String n = ns.trim();
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return out;
    }

    private String doUninstall(String type) {
        if (type == null || type.isBlank()) {
            throw new CommandException("uninstall needs an actor type: uninstall <type>");
        }
        Optional<ActorType> before = runtime.type(type);
        String label = before.filter(ActorType::isWasm).flatMap(t -> registry.find(t.module()))
                .map(m -> m.descriptor().label()).orElse(null);
        UndeployResult r = deployer.undeploy(type).orElseThrow(() -> new CommandException(
                "no actor type '" + type + "' is deployed; deployed types: " + deployedTypeNames()));
        int active = r.passivatedActors();
        StringBuilder out = new StringBuilder("uninstalled ").append(type).append(" (").append(active)
                .append(active == 1 ? " actor" : " actors").append(" passivated)");
        if (r.type().isWasm()) {
            String module = label != null ? label : r.type().module().shortHex();
            if (!r.moduleStillUsedBy().isEmpty()) {
                out.append("; module ").append(module).append(" kept, used by ").append(String.join(",", r.moduleStillUsedBy()));
            } else if (r.moduleRemoved()) {
                out.append("; removed module ").append(module);
            }
        }
        return out.toString();
    }

    private String deployedTypeNames() {
        List<String> names = runtime.types().stream().map(ActorType::name).sorted().collect(Collectors.toList());
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    static String checkTypeName(String type) {
        try {
            ActorType.nativeType(type, () -> null); // the type-name rule lives in ActorType
        } catch (IllegalArgumentException e) {
            throw new CommandException("invalid type name: " + e.getMessage());
        }
        return type;
    }

    /**
     * The file name without {@code .wasm} (or {@code .py}, a Python actor's source), with every character outside
     * {@code [A-Za-z0-9._-]} made {@code _}.
     */
    static String defaultTypeName(Source from) {
        String base = from.name;
        for (String extension : List.of(".wasm", ".py")) {
            if (base.toLowerCase(Locale.ROOT).endsWith(extension)) {
                base = base.substring(0, base.length() - extension.length());
                break;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < base.length() && out.length() < ActorId.MAX_NAMESPACE_BYTES; i++) {
            char c = base.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            out.append(ok ? c : '_');
        }
        if (out.length() == 0) {
            throw new CommandException("cannot name an actor type after '" + from.text + "': give one, install <file-or-url> <type>");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------
    // helpers

    private static ActorId actorId(String type, String id) {
        try {
            return new ActorId(type, id);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    private static byte[] payload(String payload) {
        if (payload == null || payload.isEmpty()) {
            return new byte[0];
        }
        if (payload.regionMatches(true, 0, HEX_PREFIX, 0, HEX_PREFIX.length())) {
            String digits = payload.substring(HEX_PREFIX.length());
            try {
                return HEX.parseHex(digits);
            } catch (IllegalArgumentException e) {
                throw new CommandException("payload '" + abbreviate(payload) + "' is not hex: an even number of hex digits follows 'hex:'");
            }
        }
        return payload.getBytes(StandardCharsets.UTF_8);
    }

    /** A response as text when it is printable UTF-8, else {@code hex:...}; {@code (empty)} when empty. */
    static String render(byte[] response) {
        if (response == null || response.length == 0) {
            return "(empty)";
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(response)).toString();
        } catch (CharacterCodingException e) {
            return HEX_PREFIX + HEX.formatHex(response);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                return HEX_PREFIX + HEX.formatHex(response);
            }
        }
        return text;
    }

    private String runs(ActorType t) {
        if (!t.isWasm()) {
            return "native";
        }
        return registry.find(t.module()).map(m -> m.descriptor().label())
                .orElse("?@" + t.module().shortHex() + " (not in registry)");
    }

    private static String namespaces(ActorType t) {
        if (!t.isWasm()) {
            return "-";
        }
        if (t.hostNamespaces() == null) {
            return "all";
        }
        return t.hostNamespaces().isEmpty() ? "core" : "core," + String.join(",", new TreeSet<>(t.hostNamespaces()));
    }

    static String duration(Duration d) {
        long millis = d.toMillis();
        if (millis % 60_000 == 0 && millis >= 60_000) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    static String bytes(long bytes) {
        if (bytes % (1L << 30) == 0 && bytes > 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0 && bytes > 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % 1024 == 0 && bytes > 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Runs a command; anything but a {@link CommandException} becomes one naming the command. */
    private static String guarded(String command, Supplier<String> body) {
        try {
            return body.get();
        } catch (CommandException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CommandException(command + " failed: " + describe(e));
        }
    }

    /** Where a module's bytes come from: a file, or a file:, http:, https: or jar: URL. */
    static final class Source {
        /** What the operator typed. */
        final String text;
        /** The module's name in the registry: the file name. */
        final String name;
        private final Path path;
        private final URL url;

        private Source(String text, String name, Path path, URL url) {
            this.text = text;
            this.name = name;
            this.path = path;
            this.url = url;
        }

        static Source parse(String text) {
            if (URL_LIKE.matcher(text).matches()) {
                String scheme = text.substring(0, text.indexOf(':')).toLowerCase(Locale.ROOT);
                if (!URL_SCHEMES.contains(scheme)) {
                    throw new CommandException("cannot install from '" + abbreviate(text) + "': URL scheme '" + scheme
                            + "' is not supported; use a file path or a file:, http:, https: or jar: URL");
                }
                URI uri;
                try {
                    uri = new URI(text);
                } catch (URISyntaxException e) {
                    throw new CommandException("cannot install from '" + abbreviate(text) + "': not a valid URL: " + e.getMessage());
                }
                if (scheme.equals("file")) {
                    try {
                        return file(text, Path.of(uri));
                    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                        throw new CommandException("cannot install from '" + abbreviate(text) + "': not a valid file URL: "
                                + describe(e));
                    }
                }
                try {
                    return new Source(text, lastSegment(text, scheme.equals("jar") ? rawJarEntry(text) : uri.getPath()),
                            null, uri.toURL());
                } catch (IllegalArgumentException | java.net.MalformedURLException e) {
                    throw new CommandException("cannot install from '" + abbreviate(text) + "': not a valid URL: " + describe(e));
                }
            }
            try {
                return file(text, Path.of(text));
            } catch (InvalidPathException e) {
                throw new CommandException("cannot install from '" + abbreviate(text) + "': not a valid path: " + e.getMessage());
            }
        }

        private static Source file(String text, Path path) {
            Path name = path.getFileName();
            return new Source(text, name == null ? path.toString() : name.toString(), path, null);
        }

        private static String rawJarEntry(String text) {
            int bang = text.lastIndexOf("!/");
            return bang < 0 ? "" : text.substring(bang + 2);
        }

        private static String lastSegment(String text, String path) {
            String p = path == null ? "" : path;
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            String segment = p.substring(p.lastIndexOf('/') + 1);
            return segment.isEmpty() ? text : segment;
        }

        /** Reads at most {@code cap + 1} bytes; failures are the registry's "rejected" messages. */
        byte[] read(long cap) {
            int limit = (int) Math.min(cap + 1, Integer.MAX_VALUE - 8L);
            return path != null ? readFile(cap, limit) : readUrl(cap, limit);
        }

        private byte[] readFile(long cap, int limit) {
            Path absolute = path.toAbsolutePath();
            if (!Files.exists(path)) {
                throw rejected(Reason.UNREADABLE, "no such file: " + absolute);
            }
            if (Files.isDirectory(path)) {
                throw rejected(Reason.UNREADABLE, absolute + " is a directory");
            }
            if (!Files.isRegularFile(path)) {
                // a named pipe would block the read (and the shell) until something writes to it
                throw rejected(Reason.UNREADABLE, absolute + " is not a regular file (a named pipe, device or socket)");
            }
            try {
                long size = Files.size(path);
                if (size > cap) {
                    throw tooLarge(size + " bytes", cap);
                }
                try (InputStream in = Files.newInputStream(path)) {
                    byte[] bytes = in.readNBytes(limit);
                    if (bytes.length > cap) {
                        throw tooLarge("more than " + cap + " bytes", cap);
                    }
                    return bytes;
                }
            } catch (IOException e) {
                throw rejected(Reason.UNREADABLE, "cannot read " + absolute + ": " + e);
            }
        }

        private byte[] readUrl(long cap, int limit) {
            if (url.getProtocol().equalsIgnoreCase("jar")) {
                checkJarFile();
            }
            try {
                URLConnection connection = url.openConnection();
                connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
                connection.setReadTimeout(READ_TIMEOUT_MILLIS);
                connection.setUseCaches(false); // jar: URLs would otherwise keep the jar file open
                if (connection instanceof HttpURLConnection) {
                    HttpURLConnection http = (HttpURLConnection) connection;
                    int status = http.getResponseCode();
                    if (status < 200 || status >= 300) {
                        http.disconnect();
                        throw rejected(Reason.UNREADABLE, "cannot read " + text + ": HTTP " + status
                                + (http.getResponseMessage() == null ? "" : " " + http.getResponseMessage()));
                    }
                }
                long length = connection.getContentLengthLong();
                if (length > cap) {
                    throw tooLarge(length + " bytes", cap);
                }
                try (InputStream in = connection.getInputStream()) {
                    byte[] bytes = readBounded(in, limit);
                    if (bytes.length > cap) {
                        throw tooLarge("more than " + cap + " bytes", cap);
                    }
                    return bytes;
                }
            } catch (IOException e) {
                throw rejected(Reason.UNREADABLE, "cannot read " + text + ": " + e);
            }
        }

        /**
         * Reads up to {@code limit} bytes; each read waits at most the read timeout, and the whole download
         * at most {@link #DOWNLOAD_DEADLINE_MILLIS}, so a server that trickles bytes cannot hold the shell.
         */
        private byte[] readBounded(InputStream in, int limit) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DOWNLOAD_DEADLINE_MILLIS);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            while (out.size() < limit) {
                int n = in.read(buf, 0, Math.min(buf.length, limit - out.size()));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                if (System.nanoTime() - deadline > 0) {
                    throw rejected(Reason.UNREADABLE, "cannot read " + text + ": the download took longer than "
                            + DOWNLOAD_DEADLINE_MILLIS / 1000 + " s");
                }
            }
            return out.toByteArray();
        }

        /** A jar: URL's archive must be a regular file too (a named pipe would block opening it). */
        private void checkJarFile() {
            String spec = url.toString().substring("jar:".length());
            int bang = spec.indexOf("!/");
            String archive = bang < 0 ? spec : spec.substring(0, bang);
            if (!archive.regionMatches(true, 0, "file:", 0, 5)) {
                return; // a remote archive: read through the connection's timeouts
            }
            Path file;
            try {
                file = Path.of(new URI(archive));
            } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                throw rejected(Reason.UNREADABLE, "cannot read " + text + ": not a valid file URL: " + describe(e));
            }
            if (!Files.isRegularFile(file)) {
                throw rejected(Reason.UNREADABLE, "cannot read " + text + ": " + file.toAbsolutePath()
                        + (Files.exists(file) ? " is not a regular file (a named pipe, device or socket)" : " does not exist"));
            }
        }

        private CommandException tooLarge(String actual, long cap) {
            return rejected(Reason.TOO_LARGE, "module is " + actual + ", over the size cap of " + cap
                    + " bytes (max_module_bytes)");
        }

        private CommandException rejected(Reason reason, String detail) {
            return new CommandException(new ModuleRejectedException(name, reason, detail).getMessage());
        }
    }
}
