package dev.kelpie.http;

import dev.kelpie.api.actor.ActiveActor;
import dev.kelpie.api.cluster.ClusterView;
import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorInvocationException;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorRuntime;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.api.deploy.DeployRequest;
import dev.kelpie.api.deploy.DeployResult;
import dev.kelpie.api.deploy.DeploymentException;
import dev.kelpie.api.deploy.ModuleDeployer;
import dev.kelpie.api.deploy.UndeployResult;
import dev.kelpie.api.module.ModuleDescriptor;
import dev.kelpie.api.module.ModuleRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The HTTP gateway, a servlet on the OSGi servlet whiteboard:
 * <ul>
 *   <li>{@code POST /actors/{type}/{id}/{operation}}: the body is the raw payload, a 200 carries the raw
 *       response; a failure is a JSON {@code {"error", "reason", "actor", "operation"}} with 400 (bad id or
 *       operation), 404 (unknown type), 413 (payload over the type's limit), 429 (mailbox full), 504
 *       (timeout), 503 (shut down, a runtime-wide resource) or 500 (the actor's error, a trap);
 *   <li>{@code GET /actors}, {@code GET /types}, {@code GET /modules}: JSON listings;
 *   <li>{@code PUT /modules/{name}}: the body is a WASM module, installed and deployed as actor type
 *       {@code name} (a trailing {@code .wasm} dropped) through the {@link ModuleDeployer}, the shell's path,
 *       under the registry's size cap; 201 for a new type, 200 for a hot swap;
 *   <li>{@code DELETE /modules/{name}}: undeploys type {@code name} and removes its module when unused.
 * </ul>
 * No endpoint reads a file of the host. An invocation waits at most as long as {@link dev.kelpie.api.actor.ActorRef#call}
 * of the runtime's references: twice the type's invocation timeout plus the runtime's call allowance.
 * With a token configured every request needs {@code Authorization: Bearer <token>}; without one the
 * gateway starts only on a loopback host.
 */
@Component(service = Servlet.class, configurationPid = GatewayServlet.PID, property = {
    "osgi.http.whiteboard.servlet.name=kelpie-http-gateway",
    "osgi.http.whiteboard.servlet.pattern=/actors",
    "osgi.http.whiteboard.servlet.pattern=/actors/*",
    "osgi.http.whiteboard.servlet.pattern=/types",
    "osgi.http.whiteboard.servlet.pattern=/modules",
    "osgi.http.whiteboard.servlet.pattern=/modules/*"
})
@Designate(ocd = GatewayServlet.Config.class)
public final class GatewayServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    public static final String PID = "dev.kelpie.http";
    private static final System.Logger LOG = System.getLogger(GatewayServlet.class.getName());
    private static final String JSON = "application/json; charset=utf-8";
    private static final Set<String> PUT_PARAMETERS =
            new LinkedHashSet<>(List.of("type", "timeout", "memory", "mailbox", "payload", "idle", "namespaces"));

    /**
     * ConfigAdmin configuration, PID {@code dev.kelpie.http} ({@code conf/dev.kelpie.http.cfg}). The
     * distribution's launcher also hands {@code port} and {@code host} to the HTTP server (Felix HTTP Jetty)
     * at start.
     */
    @ObjectClassDefinition(name = "Kelpie HTTP gateway", description = "Invoke actors and manage modules over HTTP")
    public @interface Config {
        @AttributeDefinition(name = "Port", description = "TCP port of the HTTP server (read by the launcher at start)")
        int port() default 8181;

        @AttributeDefinition(name = "Host", description = "Address the HTTP server listens on (read by the launcher at "
                + "start); on any address but a loopback one the gateway needs a token")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Token", description = "Bearer token every request must carry (Authorization: Bearer "
                + "<token>); empty: none, allowed only on a loopback host")
        String token() default "";
    }

    private final transient ActorRuntime runtime;
    private final transient ModuleRegistry registry;
    private final transient ModuleDeployer deployer;
    private final transient BearerAuth auth;
    /** The cluster, when this framework is a member: listings then name the member. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    transient volatile ClusterView cluster;

    /**
     * @throws IllegalArgumentException when the host is not a loopback address and no token is configured:
     *     the component does not start and nothing is served
     */
    @Activate
    public GatewayServlet(@Reference ActorRuntime runtime, @Reference ModuleRegistry registry,
            @Reference ModuleDeployer deployer, Config config) {
        this(runtime, registry, deployer, config.host(), config.token());
        LOG.log(Level.INFO, "Kelpie HTTP gateway on http://{0}:{1}/ ({2})", config.host(), String.valueOf(config.port()),
                auth.required() ? "bearer token required" : "no authentication, loopback only");
    }

    /** A gateway outside OSGi (tests): the host decides whether a blank token is allowed. */
    GatewayServlet(ActorRuntime runtime, ModuleRegistry registry, ModuleDeployer deployer, String host, String token) {
        this.runtime = Objects.requireNonNull(runtime, "actor runtime");
        this.registry = Objects.requireNonNull(registry, "module registry");
        this.deployer = Objects.requireNonNull(deployer, "module deployer");
        this.auth = BearerAuth.forHost(host, token);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            if (!auth.admits(req.getHeader("Authorization"))) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"kelpie\"");
                throw new HttpError(401, "unauthorized", "this gateway needs an Authorization: Bearer <token> header "
                        + "with the token of conf/dev.kelpie.http.cfg");
            }
            route(req, resp);
        } catch (HttpError e) {
            sendError(resp, e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "HTTP gateway: " + req.getMethod() + " " + req.getRequestURI() + " failed", e);
            sendError(resp, new HttpError(500, "internal_error", req.getMethod() + " " + req.getRequestURI()
                    + " failed: " + e));
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp) throws HttpError, IOException {
        String uri = req.getRequestURI();
        String context = req.getContextPath();
        List<String> path = RequestParts.segments(context != null && uri.startsWith(context) ? uri.substring(context.length()) : uri);
        String method = req.getMethod();
        String root = path.isEmpty() ? "" : path.get(0);
        switch (root + "/" + path.size()) {
            case "actors/1":
                allow(method, "GET");
                listActors(resp);
                return;
            case "actors/4":
                allow(method, "POST");
                invoke(req, resp, path.get(1), path.get(2), path.get(3));
                return;
            case "types/1":
                allow(method, "GET");
                listTypes(resp);
                return;
            case "modules/1":
                allow(method, "GET");
                listModules(resp);
                return;
            case "modules/2":
                allow(method, "PUT", "DELETE");
                if (method.equals("PUT")) {
                    install(req, resp, path.get(1));
                } else {
                    uninstall(req, resp, path.get(1));
                }
                return;
            default:
                throw HttpError.notFound("no route for " + method + " " + uri + "; routes: POST /actors/{type}/{id}/{operation}, "
                        + "GET /actors, GET /types, GET /modules, PUT /modules/{name}, DELETE /modules/{name}");
        }
    }

    private static void allow(String method, String... allowed) throws HttpError {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw HttpError.methodNotAllowed(method, allowed);
    }

    // ---------------------------------------------------------------------------------------------
    // POST /actors/{type}/{id}/{operation}

    private void invoke(HttpServletRequest req, HttpServletResponse resp, String type, String id, String operation)
            throws HttpError, IOException {
        ActorId actor;
        try {
            actor = new ActorId(type, id);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_actor_id", e.getMessage(), type + ":" + id, operation);
        }
        ActorType actorType = runtime.type(type).orElseThrow(() -> new HttpError(404, "unknown_type",
                "unknown actor type '" + type + "' (actor " + actor + ", operation '" + operation + "'); deployed types: "
                + typeNames(), actor.toString(), operation));
        int maxPayload = actorType.limits().maxPayloadBytes();
        byte[] payload;
        try {
            payload = BoundedBody.read(req.getInputStream(), req.getContentLengthLong(), maxPayload,
                    "the payload for actor " + actor + ", operation '" + operation + "'");
        } catch (BoundedBody.TooLargeException e) {
            throw new HttpError(413, "payload_too_large", e.getMessage() + "; the type's limit", actor.toString(), operation);
        }
        byte[] response;
        try {
            response = runtime.ref(actor).call(operation, payload);
        } catch (ActorInvocationException e) {
            throw HttpError.of(e);
        }
        resp.setStatus(200);
        resp.setContentType("application/octet-stream");
        resp.setContentLength(response.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(response);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // listings

    private void listActors(HttpServletResponse resp) throws IOException {
        List<ActiveActor> actors = runtime.actors();
        ClusterView c = cluster;
        String member = c == null ? null : c.localMember().address();
        writeJson(resp, 200, json -> {
            json.beginArray();
            for (ActiveActor a : actors) {
                json.beginObject()
                        .field("actor", a.id().toString())
                        .field("type", a.id().type())
                        .field("id", a.id().id())
                        .field("runsOn", a.runsOn())
                        .field("queued", a.queued())
                        .field("turns", a.turns())
                        .field("activatedAt", instant(a.activatedAt()))
                        .field("lastActiveAt", instant(a.lastActiveAt()))
                        .field("memoryPages", a.memoryPages());
                if (member != null) {
                    json.field("member", member);
                }
                json.endObject();
            }
            json.endArray();
        });
    }

    private void listTypes(HttpServletResponse resp) throws IOException {
        List<ActorType> types = runtime.types();
        writeJson(resp, 200, json -> {
            json.beginArray();
            for (ActorType t : types) {
                typeJson(json, t);
            }
            json.endArray();
        });
    }

    private void typeJson(Json json, ActorType t) {
        ActorLimits l = t.limits();
        json.beginObject().field("name", t.name()).field("kind", t.isWasm() ? "wasm" : "native");
        json.field("module", t.isWasm() ? registry.find(t.module()).map(m -> m.descriptor().label()).orElse(null) : null);
        json.field("sha256", t.isWasm() ? t.module().hex() : null);
        json.name("limits").beginObject()
                .field("invocationTimeoutMillis", l.invocationTimeout().toMillis())
                .field("maxMemoryBytes", l.maxMemoryBytes())
                .field("maxPayloadBytes", l.maxPayloadBytes())
                .field("mailboxCapacity", l.mailboxCapacity())
                .field("idleTimeoutMillis", l.idleTimeout().toMillis())
                .endObject();
        if (t.hostNamespaces() == null) {
            json.name("hostNamespaces").value((String) null);
        } else {
            Set<String> namespaces = new TreeSet<>(ModuleDeployer.CORE_NAMESPACES);
            namespaces.addAll(t.hostNamespaces());
            json.field("hostNamespaces", namespaces);
        }
        json.endObject();
    }

    private void listModules(HttpServletResponse resp) throws IOException {
        List<ModuleDescriptor> modules = registry.list();
        List<ActorType> types = runtime.types();
        writeJson(resp, 200, json -> {
            json.beginArray();
            for (ModuleDescriptor m : modules) {
                List<String> users = types.stream().filter(t -> m.hash().equals(t.module())).map(ActorType::name)
                        .sorted().collect(Collectors.toList());
                json.beginObject()
                        .field("name", m.name())
                        .field("sha256", m.hash().hex())
                        .field("sizeBytes", m.sizeBytes())
                        .field("language", m.guestLanguage())
                        .field("producers", m.producers())
                        .field("executionMode", m.executionMode().name().toLowerCase(Locale.ROOT))
                        .field("compileMillis", m.compileMillis())
                        .field("installedAt", instant(m.installedAt()))
                        .field("types", users)
                        .endObject();
            }
            json.endArray();
        });
    }

    // ---------------------------------------------------------------------------------------------
    // PUT /modules/{name}, DELETE /modules/{name}

    private void install(HttpServletRequest req, HttpServletResponse resp, String name) throws HttpError, IOException {
        Map<String, String> query = RequestParts.query(req.getQueryString(), PUT_PARAMETERS);
        String typeName = checkTypeName(query.getOrDefault("type", stripWasm(name)));
        String moduleName = name.toLowerCase(Locale.ROOT).endsWith(".wasm") ? name : name + ".wasm";
        ActorLimits limits = limits(query, typeName);
        Set<String> namespaces = query.containsKey("namespaces") ? namespaces(query.get("namespaces")) : null;
        int cap = (int) Math.min(registry.maxModuleBytes(), Integer.MAX_VALUE - 8);
        byte[] bytes;
        try {
            bytes = BoundedBody.read(req.getInputStream(), req.getContentLengthLong(), cap, "module '" + moduleName + "'");
        } catch (BoundedBody.TooLargeException e) {
            throw new HttpError(413, "too_large", e.getMessage() + "; the registry's max_module_bytes");
        }
        if (bytes.length == 0) {
            throw HttpError.badRequest("PUT /modules/" + name + " needs the module's bytes as the request body");
        }
        DeployResult r;
        try {
            r = deployer.deploy(DeployRequest.of(typeName, moduleName, bytes).withLimits(limits).withHostNamespaces(namespaces));
        } catch (DeploymentException e) {
            throw HttpError.of(e);
        }
        ModuleDescriptor d = r.module();
        ActorType replaced = r.replaced();
        writeJson(resp, replaced == null ? 201 : 200, json -> {
            json.beginObject()
                    .field("type", typeName)
                    .field("module", d.label())
                    .field("sha256", d.hash().hex())
                    .field("sizeBytes", d.sizeBytes())
                    .field("language", d.guestLanguage())
                    .field("compileMillis", d.compileMillis())
                    .field("moduleAdded", r.moduleAdded())
                    .field("hotSwap", replaced != null)
                    .field("replacedSha256", replaced != null && replaced.isWasm() ? replaced.module().hex() : null);
            json.name("deployed");
            typeJson(json, r.type());
            json.endObject();
        });
    }

    private void uninstall(HttpServletRequest req, HttpServletResponse resp, String name) throws HttpError, IOException {
        RequestParts.query(req.getQueryString(), Set.of());
        String typeName = checkTypeName(stripWasm(name));
        Optional<UndeployResult> result;
        try {
            result = deployer.undeploy(typeName);
        } catch (DeploymentException e) {
            throw HttpError.of(e);
        }
        UndeployResult r = result.orElseThrow(() -> HttpError.notFound("no actor type '" + typeName
                + "' is deployed; deployed types: " + typeNames()));
        writeJson(resp, 200, json -> json.beginObject()
                .field("type", typeName)
                .field("passivatedActors", r.passivatedActors())
                .field("moduleRemoved", r.moduleRemoved())
                .field("moduleStillUsedBy", r.moduleStillUsedBy())
                .endObject());
    }

    private static String stripWasm(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".wasm") ? name.substring(0, name.length() - 5) : name;
    }

    private static String checkTypeName(String type) throws HttpError {
        try {
            ActorType.nativeType(type, () -> null); // the type-name rule lives in ActorType
            return type;
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_type_name", "invalid type name: " + e.getMessage());
        }
    }

    /** The limits the query sets over the replaced type's (else the runtime's defaults); null when it sets none. */
    private ActorLimits limits(Map<String, String> query, String typeName) throws HttpError {
        if (!(query.containsKey("timeout") || query.containsKey("memory") || query.containsKey("mailbox")
                || query.containsKey("payload") || query.containsKey("idle"))) {
            return null;
        }
        ActorLimits l = runtime.type(typeName).map(ActorType::limits).orElseGet(runtime::defaultLimits);
        try {
            if (query.containsKey("timeout")) {
                l = l.withInvocationTimeout(ActorLimits.parseDuration(query.get("timeout")));
            }
            if (query.containsKey("memory")) {
                l = l.withMaxMemoryBytes(ActorLimits.parseSize(query.get("memory")));
            }
            if (query.containsKey("mailbox")) {
                l = l.withMailboxCapacity(intValue("mailbox", ActorLimits.parseSize(query.get("mailbox"))));
            }
            if (query.containsKey("payload")) {
                l = l.withMaxPayloadBytes(intValue("payload", ActorLimits.parseSize(query.get("payload"))));
            }
            if (query.containsKey("idle")) {
                l = l.withIdleTimeout(ActorLimits.parseDuration(query.get("idle")));
            }
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("bad limit: " + e.getMessage());
        }
        return l;
    }

    private static int intValue(String name, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " " + value + " is over " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    private static Set<String> namespaces(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String ns : text.split(",")) {
            if (!ns.isBlank()) {
                out.add(ns.trim());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // responses

    private interface JsonBody {
        void write(Json json);
    }

    private static void writeJson(HttpServletResponse resp, int status, JsonBody body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(JSON);
        resp.setCharacterEncoding("UTF-8");
        try (Writer w = resp.getWriter()) {
            body.write(new Json(w));
        }
    }

    private static void sendError(HttpServletResponse resp, HttpError e) throws IOException {
        if (resp.isCommitted()) {
            LOG.log(Level.WARNING, "HTTP gateway: {0} after the response was committed", e.getMessage());
            return;
        }
        if (e.allow() != null) {
            resp.setHeader("Allow", e.allow());
        }
        resp.resetBuffer();
        writeJson(resp, e.status(), json -> {
            json.beginObject().field("error", e.getMessage()).field("reason", e.reason());
            if (e.actor() != null) {
                json.field("actor", e.actor());
            }
            if (e.operation() != null) {
                json.field("operation", e.operation());
            }
            json.endObject();
        });
    }

    private String typeNames() {
        List<String> names = runtime.types().stream().map(ActorType::name).sorted().collect(Collectors.toList());
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    private static String instant(Instant i) {
        return i == null ? null : i.toString();
    }
}
