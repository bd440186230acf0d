package dev.kelpie.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of a request URI the gateway reads: the path's segments and the query's parameters, each
 * percent-decoded strictly (a malformed escape or bytes that are not UTF-8 are a 400 naming the part). The
 * query is parsed here rather than by the servlet container so that a request body is never read as a form.
 */
final class RequestParts {
    /** Longest path or query the gateway looks at; longer ones are a 414. */
    static final int MAX_URI_CHARS = 4096;

    private RequestParts() {}

    /** The decoded segments of {@code rawPath} (without the context path); empty segments are dropped. */
    static List<String> segments(String rawPath) throws HttpError {
        if (rawPath.length() > MAX_URI_CHARS) {
            throw new HttpError(414, "uri_too_long", "the request path is " + rawPath.length()
                    + " characters, over the limit of " + MAX_URI_CHARS);
        }
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(decode(s, "path segment"));
            }
        }
        return out;
    }

    /**
     * The parameters of {@code rawQuery} (null: none), each of which must be one of {@code allowed} and
     * given at most once.
     */
    static Map<String, String> query(String rawQuery, Set<String> allowed) throws HttpError {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        if (rawQuery.length() > MAX_URI_CHARS) {
            throw new HttpError(414, "uri_too_long", "the query is " + rawQuery.length() + " characters, over the limit of "
                    + MAX_URI_CHARS);
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter '" + name + "'");
            if (!allowed.contains(name)) {
                throw HttpError.badRequest("unknown query parameter '" + name + "'; known are " + String.join(", ", allowed));
            }
            if (out.put(name, value) != null) {
                throw HttpError.badRequest("query parameter '" + name + "' is given more than once");
            }
        }
        return out;
    }

    /** Strict percent-decoding ({@code +} stays a plus) of UTF-8 text. */
    static String decode(String raw, String what) throws HttpError {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                continue;
            }
            int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw HttpError.badRequest("malformed percent-escape at " + i + " of the " + what + " '" + abbreviate(raw) + "'");
            }
            bytes.write(hi << 4 | lo);
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw HttpError.badRequest("the " + what + " '" + abbreviate(raw) + "' is not UTF-8 once decoded");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
