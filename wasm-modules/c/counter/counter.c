/*
 * Kelpie's C `counter` actor: durable state through the host (binding `kelpie`, namespace `state`), with
 * the operations and errors of the Rust counter (wasm-modules/rust/counter):
 *
 * | operation   | payload                        | result                                          |
 * |-------------|--------------------------------|-------------------------------------------------|
 * | `increment` | empty (+1) or a decimal amount | adds the amount to `count`; the new value       |
 * | `get`       | ignored                        | the current value (`0` when `count` is absent)  |
 * | `reset`     | ignored                        | deletes `count`; `0`                            |
 * | `remind`    | `delay_ms` or `delay_ms amount` | sets the durable reminder `remind`: `increment` with the amount (empty: +1) after `delay_ms`, even across restarts; `ok` |
 * | other       |                                | error `unknown operation: <op>` (from the SDK)  |
 *
 * Values are decimal ASCII. An amount is an optional `-` and ASCII digits, fitting in int64; anything
 * else is error `bad amount: <payload>`. A stored value that is not such a number gives error
 * `bad count in state: <value>`, and an int64 overflow gives error `count overflow`. State errors from
 * the host are passed on as the guest error unchanged. A bad `remind` payload is error
 * `bad remind payload: <payload>`; `remind` needs the host namespace `reminders`.
 */
#define KELPIE_IMPLEMENTATION
#include "../kelpie.h"

#include <inttypes.h>
#include <stdio.h>

static const char COUNT[] = "count";

/* An optional '-' followed by ASCII digits, fitting in int64_t. */
static int parse_i64(const uint8_t *s, size_t len, int64_t *out) {
    int negative = len > 0 && s[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == len) {
        return 0;
    }
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t n = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (n > (limit - digit) / 10) {
            return 0;
        }
        n = n * 10 + digit;
    }
    *out = negative ? (int64_t)(0 - n) : (int64_t)n;
    return 1;
}

/* The number stored under `count` (0 when absent); on failure the call has failed already. */
static int read_count(int64_t *count) {
    kelpie_bytes value;
    int found;
    if (!kelpie_state_get(COUNT, &value, &found)) {
        kelpie_fail("%s", kelpie_last_error());
        return 0;
    }
    *count = 0;
    int ok = !found || parse_i64(value.data, value.len, count);
    if (!ok) {
        kelpie_fail("bad count in state: %.*s", (int)value.len, (const char *)value.data);
    }
    kelpie_bytes_free(&value);
    return ok;
}

static void respond_decimal(int64_t n) {
    char text[24];
    int len = snprintf(text, sizeof text, "%" PRId64, n);
    kelpie_respond(text, (size_t)len);
}

static void increment(const uint8_t *payload, size_t len) {
    int64_t amount = 1, count;
    if (len > 0 && !parse_i64(payload, len, &amount)) {
        kelpie_fail("bad amount: %.*s", (int)len, (const char *)payload);
        return;
    }
    if (!read_count(&count)) {
        return;
    }
    if (__builtin_add_overflow(count, amount, &count)) {
        kelpie_fail("count overflow");
        return;
    }
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRId64, count);
    if (!kelpie_state_set(COUNT, text, (size_t)n)) {
        kelpie_fail("%s", kelpie_last_error());
        return;
    }
    kelpie_respond(text, (size_t)n);
}

static void get(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    int64_t count;
    if (read_count(&count)) {
        respond_decimal(count);
    }
}

static void reset(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    if (!kelpie_state_delete(COUNT, NULL)) {
        kelpie_fail("%s", kelpie_last_error());
        return;
    }
    respond_decimal(0);
}

/* `delay_ms` or `delay_ms amount`: a durable reminder sends `increment` with the amount later. */
static void remind(const uint8_t *payload, size_t len) {
    size_t space = 0;
    while (space < len && payload[space] != ' ') {
        space++;
    }
    int64_t delay, amount;
    const uint8_t *rest = space < len ? payload + space + 1 : payload + len;
    size_t rest_len = space < len ? len - space - 1 : 0;
    if (!parse_i64(payload, space, &delay) || delay < 0 || (rest_len > 0 && !parse_i64(rest, rest_len, &amount))) {
        kelpie_fail("bad remind payload: %.*s", (int)len, (const char *)payload);
        return;
    }
    if (!kelpie_reminder_set("remind", "increment", (uint64_t)delay, 0, rest, rest_len)) {
        kelpie_fail("%s", kelpie_last_error());
        return;
    }
    kelpie_respond_str("ok");
}

KELPIE_EXPORT("wapc_init") void wapc_init(void) {
    kelpie_register("increment", increment);
    kelpie_register("get", get);
    kelpie_register("reset", reset);
    kelpie_register("remind", remind);
}
