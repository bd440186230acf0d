package dev.kelpie.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Bearer-token authentication of the gateway: with a token configured, every request must carry
 * {@code Authorization: Bearer <token>}; without one the gateway is open, which it allows only when it
 * listens on a loopback address. The token is compared in constant time.
 */
final class BearerAuth {
    private static final String PREFIX = "Bearer ";
    private final byte[] token;

    private BearerAuth(byte[] token) {
        this.token = token;
    }

    /**
     * The authentication for a gateway on {@code host} with {@code token} (blank: none).
     *
     * @throws IllegalArgumentException when the host is not a loopback address and no token is set: the
     *     gateway refuses to serve unauthenticated beyond this machine
     */
    static BearerAuth forHost(String host, String token) {
        if (token != null && !token.isBlank()) {
            return new BearerAuth(token.trim().getBytes(StandardCharsets.UTF_8));
        }
        if (!isLoopback(host)) {
            throw new IllegalArgumentException("the HTTP gateway will not serve without authentication on host '" + host
                    + "', which is not a loopback address: set 'token' in conf/dev.kelpie.http.cfg (PID dev.kelpie.http)"
                    + " or bind to 127.0.0.1");
        }
        return new BearerAuth(null);
    }

    /** Whether {@code host} names only loopback addresses (blank or a wildcard address listens on all). */
    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host.trim());
            for (InetAddress a : addresses) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    boolean required() {
        return token != null;
    }

    /** Whether the request's {@code Authorization} header value lets it through. */
    boolean admits(String authorization) {
        if (token == null) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        byte[] given = authorization.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }
}
