package dev.kelpie.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void everyStringIsEscaped() {
        assertThat(Json.quote("a\"b\\c\n\r\t\b\f")).isEqualTo("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\"");
        assertThat(Json.quote("\u0000\u001f\u007f")).isEqualTo("\"\\u0000\\u001f\\u007f\"");
        assertThat(Json.quote("line\u2028sep\u2029")).isEqualTo("\"line\\u2028sep\\u2029\"");
        // an unpaired surrogate is escaped, a pair is kept
        assertThat(Json.quote("x\ud800y")).isEqualTo("\"x\\ud800y\"");
        assertThat(Json.quote("\udc00")).isEqualTo("\"\\udc00\"");
        assertThat(Json.quote("\ud83d\ude00 é")).isEqualTo("\"\ud83d\ude00 é\"");
        assertThat(Json.quote("</script>")).isEqualTo("\"</script>\"");
    }

    @Test
    void objectsAndArraysGetTheirCommas() {
        StringWriter w = new StringWriter();
        new Json(w).beginArray()
                .beginObject().field("a", 1).field("b", "x").field("c", true).name("d").value((String) null).endObject()
                .beginObject().field("list", List.of("p", "q")).name("empty").beginArray().endArray().endObject()
                .endArray();
        assertThat(w.toString()).isEqualTo("[{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":null},{\"list\":[\"p\",\"q\"],\"empty\":[]}]");
    }
}
