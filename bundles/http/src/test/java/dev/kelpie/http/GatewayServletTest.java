package dev.kelpie.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kelpie.api.actor.ActorId;
import dev.kelpie.api.actor.ActorLimits;
import dev.kelpie.api.actor.ActorType;
import dev.kelpie.embedded.Kelpie;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway served by a real Jetty 12 on a free loopback port, over a real embedded Kelpie, driven by
 * {@link HttpClient}: every route and every status of the mapping.
 */
class GatewayServletTest {
    static final String COUNTER = "/wasm/rust/counter.wasm";
    static final String TESTBED = "/wasm/rust/testbed.wasm";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private Kelpie kelpie;
    private Server server;
    private URI base;
    private GatewayServlet servlet;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (kelpie != null) {
            kelpie.close();
        }
    }

    /** Kelpie with counter and testbed deployed, its gateway on Jetty at {@link #base}. */
    void start(String token) throws Exception {
        start(Kelpie.builder().build(), token);
    }

    void start(Kelpie k, String token) throws Exception {
        kelpie = k;
        kelpie.deploy("counter", kelpie.load("counter.wasm", resource(COUNTER)));
        // the invocation timeout bounds the deployment's probe and each activation too: generous, so that a loaded
        // machine does not fail them
        kelpie.deploy("testbed", kelpie.load("testbed.wasm", resource(TESTBED)),
                kelpie.actors().defaultLimits().withInvocationTimeout(Duration.ofSeconds(1)).withMaxPayloadBytes(64));
        servlet = new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "127.0.0.1", token);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder holder = new ServletHolder(servlet);
        // the patterns of the whiteboard registration
        for (String pattern : new String[] {"/actors", "/actors/*", "/types", "/modules", "/modules/*"}) {
            context.addServlet(holder, pattern);
        }
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    // ---------------------------------------------------------------------------------------------
    // POST /actors/{type}/{id}/{operation}

    @Test
    void postInvokesTheActorWithTheBodyAndAnswersItsRawResponse() throws Exception {
        start("");
        assertThat(post("/actors/counter/c1/increment", "")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(text(r)).isEqualTo("1");
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        });
        assertThat(text(post("/actors/counter/c1/increment", "41"))).isEqualTo("42");
        // binary bytes pass through unchanged
        byte[] binary = {0, (byte) 0xff, 10, 13, (byte) 0x80};
        HttpResponse<byte[]> echo = send(request("/actors/testbed/t1/echo").POST(BodyPublishers.ofByteArray(binary)));
        assertThat(echo.statusCode()).isEqualTo(200);
        assertThat(echo.body()).containsExactly(binary);
        // a body without Content-Length (chunked) is read as well
        HttpResponse<byte[]> chunked = send(request("/actors/counter/c1/increment")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream("8".getBytes(StandardCharsets.UTF_8)))));
        assertThat(text(chunked)).isEqualTo("50");
    }

    @Test
    void invocationFailuresMapToStatusesWithAJsonBodyNamingActorAndOperation() throws Exception {
        start("");
        assertError(post("/actors/nosuch/a1/go", ""), 404, "unknown_type", "nosuch:a1", "go");
        assertError(post("/actors/counter/bad%20id/increment", ""), 400, "bad_actor_id", null, null);
        assertError(post("/actors/testbed/t1/fail", "boom"), 500, "actor_error", "testbed:t1", "fail");
        assertError(post("/actors/testbed/t1/trap", ""), 500, "trap", "testbed:t1", "trap");
        assertError(post("/actors/testbed/t2/spin", ""), 504, "timeout", "testbed:t2", "spin");
        assertError(post("/actors/counter/c1/no_such_operation", ""), 500, "actor_error", "counter:c1", "no_such_operation");
        assertThat(text(post("/actors/testbed/t1/fail", "boom"))).contains("boom");
    }

    @Test
    void aPayloadOverTheTypesLimitIs413WhetherDeclaredOrStreamed() throws Exception {
        start("");
        String big = "x".repeat(65);
        assertError(post("/actors/testbed/t1/echo", big), 413, "payload_too_large", "testbed:t1", "echo");
        HttpResponse<byte[]> streamed = send(request("/actors/testbed/t1/echo")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))));
        assertError(streamed, 413, "payload_too_large", "testbed:t1", "echo");
        assertThat(text(post("/actors/testbed/t1/echo", "x".repeat(64)))).hasSize(64);
    }

    @Test
    void aFullMailboxIs429() throws Exception {
        kelpie = Kelpie.builder().build();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        kelpie.actors().deploy(ActorType.nativeType("blocker", () -> (ctx, op, payload) -> {
            entered.countDown();
            release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return "done".getBytes(StandardCharsets.UTF_8);
        }, ActorLimits.DEFAULTS.withMailboxCapacity(1)));
        start(kelpie, "");
        CompletableFuture<HttpResponse<byte[]>> first = client.sendAsync(request("/actors/blocker/b1/wait")
                .POST(BodyPublishers.noBody()).build(), BodyHandlers.ofByteArray());
        assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the first message runs").isTrue();
        // the one place in the mailbox is taken while the first turn runs
        CompletableFuture<byte[]> queued = kelpie.actors().ref(ActorId.of("blocker", "b1")).invoke("wait", new byte[0])
                .toCompletableFuture();
        try {
            assertError(post("/actors/blocker/b1/wait", ""), 429, "mailbox_full", "blocker:b1", "wait");
        } finally {
            release.countDown();
        }
        assertThat(text(first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))).isEqualTo("done");
        assertThat(queued.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isNotNull();
    }

    // ---------------------------------------------------------------------------------------------
    // listings

    @Test
    void listingsAreJson() throws Exception {
        start("");
        post("/actors/counter/c1/increment", "");
        HttpResponse<byte[]> actors = get("/actors");
        assertThat(actors.statusCode()).isEqualTo(200);
        assertThat(actors.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(text(actors)).startsWith("[{").contains("\"actor\":\"counter:c1\"", "\"type\":\"counter\"",
                "\"id\":\"c1\"", "\"turns\":1");

        String types = text(get("/types"));
        assertThat(types).startsWith("[").contains("\"name\":\"counter\"", "\"name\":\"testbed\"", "\"kind\":\"wasm\"",
                "\"invocationTimeoutMillis\":1000", "\"maxPayloadBytes\":64", "\"hostNamespaces\":[\"clock\",\"log\",\"random\",\"state\"]");

        String modules = text(get("/modules"));
        assertThat(modules).startsWith("[").contains("\"name\":\"counter.wasm\"", "\"types\":[\"counter\"]",
                "\"language\":\"rust\"", "\"sha256\":\"");
    }

    @Test
    void aClusterMemberNamesItselfInTheListingAndAnUnavailableMemberIs503() throws Exception {
        start("");
        post("/actors/counter/c1/increment", "");
        dev.kelpie.api.cluster.ClusterMember self = new dev.kelpie.api.cluster.ClusterMember("u1", "127.0.0.1:5702", true);
        servlet.cluster = new dev.kelpie.api.cluster.ClusterView() {
            @Override
            public String name() {
                return "kelpie";
            }

            @Override
            public dev.kelpie.api.cluster.ClusterMember localMember() {
                return self;
            }

            @Override
            public java.util.List<dev.kelpie.api.cluster.ClusterMember> members() {
                return java.util.List.of(self);
            }

            @Override
            public java.util.Optional<dev.kelpie.api.cluster.ClusterMember> ownerOf(dev.kelpie.api.actor.ActorId id) {
                return java.util.Optional.of(self);
            }
        };
        assertThat(text(get("/actors"))).contains("\"actor\":\"counter:c1\"", "\"member\":\"127.0.0.1:5702\"");
        servlet.cluster = null;
        assertThat(text(get("/actors"))).doesNotContain("\"member\"");
        assertThat(HttpError.of(new dev.kelpie.api.actor.ActorInvocationException(dev.kelpie.api.actor.ActorId.of("a", "b"),
                "op", dev.kelpie.api.actor.ActorInvocationException.Reason.UNAVAILABLE, "member 127.0.0.1:5703 left")).status())
                .isEqualTo(503);
    }

    // ---------------------------------------------------------------------------------------------
    // PUT / DELETE /modules/{name}

    @Test
    void putInstallsAndDeploysAModuleThenHotSwapsAndDeleteRemovesIt() throws Exception {
        start("");
        HttpResponse<byte[]> created = put("/modules/counter2.wasm?timeout=5s&mailbox=100", resource(COUNTER));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        // the same bytes are installed already (as counter.wasm): a cache hit, the module keeps its first name
        assertThat(text(created)).contains("\"type\":\"counter2\"", "\"module\":\"counter.wasm@", "\"moduleAdded\":false",
                "\"hotSwap\":false",
                "\"invocationTimeoutMillis\":5000", "\"mailboxCapacity\":100");
        assertThat(text(post("/actors/counter2/x/increment", "5"))).isEqualTo("5");

        HttpResponse<byte[]> swapped = put("/modules/counter2", resource(TESTBED));
        assertThat(swapped.statusCode()).as(text(swapped)).isEqualTo(200);
        assertThat(text(swapped)).contains("\"hotSwap\":true", "\"invocationTimeoutMillis\":5000");
        assertThat(text(post("/actors/counter2/x/echo", "hi"))).isEqualTo("hi");

        HttpResponse<byte[]> deleted = delete("/modules/counter2");
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(text(deleted)).contains("\"type\":\"counter2\"", "\"passivatedActors\":1",
                // testbed runs the same module: it stays
                "\"moduleRemoved\":false", "\"moduleStillUsedBy\":[\"testbed\"]");
        assertThat(kelpie.actors().type("counter2")).isEmpty();
        assertError(delete("/modules/counter2"), 404, "not_found", null, null);
        assertError(post("/actors/counter2/x/echo", "hi"), 404, "unknown_type", "counter2:x", "echo");
    }

    @Test
    void putRefusesBadModulesBadNamesBadLimitsAndModulesOverTheCap() throws Exception {
        start(Kelpie.builder().maxModuleBytes(1 << 20).build(), "");
        assertError(put("/modules/junk", "not wasm".getBytes(StandardCharsets.UTF_8)), 422, "malformed", null, null);
        assertError(put("/modules/junk", new byte[0]), 400, "bad_request", null, null);
        assertError(put("/modules/bad%20name", resource(COUNTER)), 400, "bad_type_name", null, null);
        assertError(put("/modules/c3?timeout=soon", resource(COUNTER)), 400, "bad_request", null, null);
        assertError(put("/modules/c3?colour=red", resource(COUNTER)), 400, "bad_request", null, null);
        assertError(put("/modules/huge", new byte[(1 << 20) + 1]), 413, "too_large", null, null);
        assertThat(kelpie.actors().types()).extracting(ActorType::name).containsExactlyInAnyOrder("counter", "testbed");
        // the size cap is the registry's; the same bytes in a streamed body are refused alike
        HttpResponse<byte[]> streamed = send(request("/modules/huge")
                .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[(1 << 20) + 1]))));
        assertError(streamed, 413, "too_large", null, null);
    }

    // ---------------------------------------------------------------------------------------------
    // routes, methods, authentication

    @Test
    void unknownRoutesAre404AndWrongMethods405WithAllow() throws Exception {
        start("");
        assertError(get("/actors/counter/c1/increment"), 405, "method_not_allowed", null, null);
        assertThat(get("/actors/counter/c1/increment").headers().firstValue("Allow")).hasValue("POST");
        assertError(post("/types", ""), 405, "method_not_allowed", null, null);
        assertThat(send(request("/modules/x").POST(BodyPublishers.noBody())).headers().firstValue("Allow"))
                .hasValue("PUT, DELETE");
        assertError(get("/actors/counter"), 404, "not_found", null, null);
        assertError(get("/modules/a/b"), 404, "not_found", null, null);
        // a path that is not UTF-8 once decoded: refused (by Jetty itself, before the gateway)
        assertThat(post("/actors/counter/c%C3%28/increment", "").statusCode()).isEqualTo(400);
    }

    @Test
    void withATokenEveryRequestNeedsTheBearerHeader() throws Exception {
        start("s3cret");
        HttpResponse<byte[]> none = get("/types");
        assertError(none, 401, "unauthorized", null, null);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kelpie\"");
        assertError(send(request("/types").header("Authorization", "Bearer wrong").GET()), 401, "unauthorized", null, null);
        assertError(send(request("/actors/counter/c1/increment").header("Authorization", "Basic czNjcmV0")
                .POST(BodyPublishers.noBody())), 401, "unauthorized", null, null);
        assertThat(kelpie.actors().actors()).as("no actor was invoked").isEmpty();
        HttpResponse<byte[]> ok = send(request("/actors/counter/c1/increment").header("Authorization", "Bearer s3cret")
                .POST(BodyPublishers.noBody()));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(text(ok)).isEqualTo("1");
    }

    @Test
    void withoutATokenOnlyALoopbackHostIsServed() {
        kelpie = Kelpie.builder().build();
        assertThatThrownBy(() -> new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "0.0.0.0", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host '0.0.0.0'").hasMessageContaining("token");
        assertThatThrownBy(() -> new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "", " "))
                .isInstanceOf(IllegalArgumentException.class);
        new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "0.0.0.0", "t0ken");
        new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "localhost", "");
        new GatewayServlet(kelpie.actors(), kelpie.registry(), kelpie.deployer(), "::1", "");
    }

    // ---------------------------------------------------------------------------------------------

    private void assertError(HttpResponse<byte[]> r, int status, String reason, String actor, String operation) {
        String body = text(r);
        assertThat(r.statusCode()).as("status of %s %s: %s", r.request().method(), r.uri(), body).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(body).startsWith("{\"error\":\"").contains("\"reason\":\"" + reason + "\"").doesNotContain("\n");
        if (actor != null) {
            assertThat(body).contains("\"actor\":\"" + actor + "\"", "\"operation\":\"" + operation + "\"");
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder builder) throws IOException, InterruptedException {
        return client.send(builder.build(), BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    private HttpResponse<byte[]> post(String path, String body) throws IOException, InterruptedException {
        return send(request(path).POST(bytes(body.getBytes(StandardCharsets.UTF_8))));
    }

    private HttpResponse<byte[]> put(String path, byte[] body) throws IOException, InterruptedException {
        return send(request(path).PUT(bytes(body)));
    }

    private HttpResponse<byte[]> delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE());
    }

    private static BodyPublisher bytes(byte[] body) {
        return BodyPublishers.ofByteArray(body);
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static byte[] resource(String path) {
        try (InputStream in = GatewayServletTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
