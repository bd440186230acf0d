/*
 * kelpie.h: Kelpie's guest SDK for C (clang 14 + wasi-libc, --target=wasm32-wasi -mexec-model=reactor).
 * Header-only. In exactly one .c file of a guest, define KELPIE_IMPLEMENTATION before including it:
 *
 *     #define KELPIE_IMPLEMENTATION
 *     #include "kelpie.h"
 *
 *     static void echo(const uint8_t *payload, size_t len) { kelpie_respond(payload, len); }
 *
 *     KELPIE_EXPORT("wapc_init") void wapc_init(void) { kelpie_register("echo", echo); }
 *
 * The host runs _initialize (wasi-libc's constructors), then wapc_init, then __guest_call for every
 * invocation. The SDK exports __guest_call: it fetches the operation and payload, runs the handler
 * registered for the operation, and answers with what the handler passed to kelpie_respond (empty if
 * nothing) or, if it called kelpie_fail, with that error. An unknown operation fails with
 * "unknown operation: <op>".
 *
 * Host calls (kelpie_host_call and the wrappers below) work only while the host calls the guest: in a
 * handler or a lifecycle hook (kelpie_on_activate / kelpie_on_deactivate, exported with KELPIE_EXPORT),
 * not in wapc_init. They return 1 on success and 0 on failure; after a failure, kelpie_last_error()
 * is the host's error text (valid until the next failing call).
 *
 * stdout and stderr (printf, fprintf(stderr, ...)) reach the host's guest console line by line through
 * WASI; see docs/guests/c.md and docs/guests/wasi.md.
 */
#ifndef KELPIE_H
#define KELPIE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define KELPIE_EXPORT(name) __attribute__((export_name(name)))

/** The waPC binding of Kelpie's built-in host functions. */
#define KELPIE_BINDING "kelpie"
/** Most operations kelpie_register accepts. */
#define KELPIE_MAX_HANDLERS 64

/** Bytes the SDK allocated (with malloc); data[len] is always 0, so text can be used as a C string. */
typedef struct {
    uint8_t *data;
    size_t len;
} kelpie_bytes;

/** An operation handler: the request payload (valid during the call). */
typedef void (*kelpie_handler)(const uint8_t *payload, size_t len);

/* ---- the guest side of waPC ---- */

/** Registers (or replaces) the handler of an operation; call it from wapc_init. 0 when the table is full. */
int kelpie_register(const char *operation, kelpie_handler handler);
/** The handler's successful answer (copied by the host at once). */
void kelpie_respond(const void *data, size_t len);
/** kelpie_respond with a C string. */
void kelpie_respond_str(const char *text);
/** Fails the current call with a printf-style error message. */
void kelpie_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
/** Writes one line to the host's guest console (waPC __console_log), printf-style. */
void kelpie_console_log(const char *format, ...) __attribute__((format(printf, 1, 2)));
/** Frees what an SDK call allocated into b, and empties b. */
void kelpie_bytes_free(kelpie_bytes *b);

/* ---- host calls ---- */

/** Calls host function (binding, ns, op) with the payload; on success *response holds its answer. */
int kelpie_host_call(const char *binding, const char *ns, const char *op, const void *payload, size_t len,
                     kelpie_bytes *response);
/** The error text of the last failed host call ("" if none failed yet). */
const char *kelpie_last_error(void);

/** state/get: *found is 1 and *value the value when the key has one, else *found is 0. */
int kelpie_state_get(const char *key, kelpie_bytes *value, int *found);
/** state/set: stores value under key. */
int kelpie_state_set(const char *key, const void *value, size_t len);
/** state/delete: *existed (may be NULL) tells whether the key had a value. */
int kelpie_state_delete(const char *key, int *existed);
/** state/keys: the keys starting with prefix, joined by '\n' (empty if none). */
int kelpie_state_keys(const char *prefix, kelpie_bytes *joined);

/** log/<level>: printf-style, through the host's logger; failures are ignored. */
void kelpie_log_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));
void kelpie_log_info(const char *format, ...) __attribute__((format(printf, 1, 2)));
void kelpie_log_warn(const char *format, ...) __attribute__((format(printf, 1, 2)));
void kelpie_log_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/** clock/now_millis and clock/monotonic_nanos. */
int kelpie_clock_now_millis(uint64_t *millis);
int kelpie_clock_monotonic_nanos(uint64_t *nanos);
/** random/bytes (1 to 65536) and random/u64. */
int kelpie_random_bytes(void *buffer, size_t n);
int kelpie_random_u64(uint64_t *value);

/**
 * actors/call: invokes operation on actor (type, id) with the payload and waits for its answer.
 * type, id and operation must not contain '\n'.
 */
int kelpie_actor_call(const char *type, const char *id, const char *operation, const void *payload, size_t len,
                      kelpie_bytes *response);

/**
 * timers/set: sets (or replaces) the timer name (1 to 128 of A-Z a-z 0-9 . _ -) of this actor: operation with
 * the payload after delay_ms, then every period_ms (0: once), while the actor is active (passivation ends it).
 * reminders/set: the same, durable: stored by the host, it fires after restarts too, at least once.
 * name and operation must not contain '\n'. The deployment must declare the namespace timers / reminders.
 */
int kelpie_timer_set(const char *name, const char *operation, uint64_t delay_ms, uint64_t period_ms,
                     const void *payload, size_t len);
int kelpie_reminder_set(const char *name, const char *operation, uint64_t delay_ms, uint64_t period_ms,
                        const void *payload, size_t len);
/** timers/cancel and reminders/cancel: *existed (may be NULL) is 1 if there was one of that name. */
int kelpie_timer_cancel(const char *name, int *existed);
int kelpie_reminder_cancel(const char *name, int *existed);
/** reminders/list: this actor's reminder names, sorted, joined by '\n' (empty if none). */
int kelpie_reminder_list(kelpie_bytes *joined);

#ifdef KELPIE_IMPLEMENTATION

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KELPIE_WAPC(name) __attribute__((import_module("wapc"), import_name(name)))

KELPIE_WAPC("__guest_request") void kelpie__guest_request(uint8_t *op, uint8_t *payload);
KELPIE_WAPC("__guest_response") void kelpie__guest_response(const uint8_t *ptr, size_t len);
KELPIE_WAPC("__guest_error") void kelpie__guest_error(const uint8_t *ptr, size_t len);
KELPIE_WAPC("__host_call") int kelpie__host_call(const uint8_t *bd, size_t bd_len, const uint8_t *ns, size_t ns_len,
                                                 const uint8_t *op, size_t op_len, const uint8_t *ptr, size_t len);
KELPIE_WAPC("__host_response_len") size_t kelpie__host_response_len(void);
KELPIE_WAPC("__host_response") void kelpie__host_response(uint8_t *ptr);
KELPIE_WAPC("__host_error_len") size_t kelpie__host_error_len(void);
KELPIE_WAPC("__host_error") void kelpie__host_error(uint8_t *ptr);
KELPIE_WAPC("__console_log") void kelpie__console_log(const uint8_t *ptr, size_t len);

static struct {
    const char *operation;
    kelpie_handler handler;
} kelpie__handlers[KELPIE_MAX_HANDLERS];
static int kelpie__handler_count;
static int kelpie__failed;
static char *kelpie__error;

/* Formats into a malloc'd string; NULL if out of memory. */
static char *kelpie__vformat(const char *format, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (n < 0) {
        return NULL;
    }
    char *text = malloc((size_t)n + 1);
    if (text != NULL) {
        vsnprintf(text, (size_t)n + 1, format, args);
    }
    return text;
}

/* A buffer of len bytes plus a terminating 0; aborts (traps) when memory is exhausted. */
static uint8_t *kelpie__alloc(size_t len) {
    uint8_t *p = malloc(len + 1);
    if (p == NULL) {
        __builtin_trap();
    }
    p[len] = 0;
    return p;
}

int kelpie_register(const char *operation, kelpie_handler handler) {
    for (int i = 0; i < kelpie__handler_count; i++) {
        if (strcmp(kelpie__handlers[i].operation, operation) == 0) {
            kelpie__handlers[i].handler = handler;
            return 1;
        }
    }
    if (kelpie__handler_count == KELPIE_MAX_HANDLERS) {
        return 0;
    }
    kelpie__handlers[kelpie__handler_count].operation = operation;
    kelpie__handlers[kelpie__handler_count].handler = handler;
    kelpie__handler_count++;
    return 1;
}

void kelpie_respond(const void *data, size_t len) {
    kelpie__guest_response((const uint8_t *)data, len);
}

void kelpie_respond_str(const char *text) {
    kelpie_respond(text, strlen(text));
}

void kelpie_fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *message = kelpie__vformat(format, args);
    va_end(args);
    const char *text = message != NULL ? message : "out of memory formatting an error";
    kelpie__guest_error((const uint8_t *)text, strlen(text));
    free(message);
    kelpie__failed = 1;
}

void kelpie_console_log(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *line = kelpie__vformat(format, args);
    va_end(args);
    if (line != NULL) {
        kelpie__console_log((const uint8_t *)line, strlen(line));
        free(line);
    }
}

void kelpie_bytes_free(kelpie_bytes *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

KELPIE_EXPORT("__guest_call") int kelpie__guest_call(int op_len, int payload_len) {
    size_t op_size = op_len > 0 ? (size_t)op_len : 0;
    size_t payload_size = payload_len > 0 ? (size_t)payload_len : 0;
    uint8_t *op = kelpie__alloc(op_size);
    uint8_t *payload = kelpie__alloc(payload_size);
    kelpie__guest_request(op, payload);
    kelpie__failed = 0;
    kelpie_handler handler = NULL;
    for (int i = 0; i < kelpie__handler_count; i++) {
        const char *name = kelpie__handlers[i].operation;
        if (strlen(name) == op_size && memcmp(name, op, op_size) == 0) {
            handler = kelpie__handlers[i].handler;
            break;
        }
    }
    if (handler != NULL) {
        handler(payload, payload_size);
    } else {
        kelpie_fail("unknown operation: %s", (const char *)op);
    }
    free(op);
    free(payload);
    return kelpie__failed ? 0 : 1;
}

static void kelpie__set_error(const char *text, size_t len) {
    free(kelpie__error);
    kelpie__error = (char *)kelpie__alloc(len);
    memcpy(kelpie__error, text, len);
}

int kelpie_host_call(const char *binding, const char *ns, const char *op, const void *payload, size_t len,
                     kelpie_bytes *response) {
    int ok = kelpie__host_call((const uint8_t *)binding, strlen(binding), (const uint8_t *)ns, strlen(ns),
                               (const uint8_t *)op, strlen(op), (const uint8_t *)payload, len);
    if (ok == 1) {
        size_t n = kelpie__host_response_len();
        uint8_t *data = kelpie__alloc(n);
        kelpie__host_response(data);
        if (response != NULL) {
            response->data = data;
            response->len = n;
        } else {
            free(data);
        }
        return 1;
    }
    size_t n = kelpie__host_error_len();
    free(kelpie__error);
    kelpie__error = (char *)kelpie__alloc(n);
    kelpie__host_error((uint8_t *)kelpie__error);
    return 0;
}

const char *kelpie_last_error(void) {
    return kelpie__error != NULL ? kelpie__error : "";
}

static int kelpie__malformed(const char *function) {
    char text[96];
    int n = snprintf(text, sizeof text, "malformed response from " KELPIE_BINDING ".%s", function);
    kelpie__set_error(text, n < 0 ? 0 : (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    return 0;
}

int kelpie_state_get(const char *key, kelpie_bytes *value, int *found) {
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, "state", "get", key, strlen(key), &r)) {
        return 0;
    }
    if (r.len >= 1 && r.data[0] == 1) {
        value->len = r.len - 1;
        value->data = kelpie__alloc(value->len);
        memcpy(value->data, r.data + 1, value->len);
        *found = 1;
    } else if (r.len == 1 && r.data[0] == 0) {
        value->data = NULL;
        value->len = 0;
        *found = 0;
    } else {
        kelpie_bytes_free(&r);
        return kelpie__malformed("state.get");
    }
    kelpie_bytes_free(&r);
    return 1;
}

int kelpie_state_set(const char *key, const void *value, size_t len) {
    size_t key_len = strlen(key);
    uint8_t *payload = kelpie__alloc(4 + key_len + len);
    payload[0] = (uint8_t)key_len;
    payload[1] = (uint8_t)(key_len >> 8);
    payload[2] = (uint8_t)(key_len >> 16);
    payload[3] = (uint8_t)(key_len >> 24);
    memcpy(payload + 4, key, key_len);
    if (len > 0) {
        memcpy(payload + 4 + key_len, value, len);
    }
    int ok = kelpie_host_call(KELPIE_BINDING, "state", "set", payload, 4 + key_len + len, NULL);
    free(payload);
    return ok;
}

int kelpie_state_delete(const char *key, int *existed) {
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, "state", "delete", key, strlen(key), &r)) {
        return 0;
    }
    int ok = r.len == 1 && (r.data[0] == 0 || r.data[0] == 1);
    if (ok && existed != NULL) {
        *existed = r.data[0];
    }
    kelpie_bytes_free(&r);
    return ok ? 1 : kelpie__malformed("state.delete");
}

int kelpie_state_keys(const char *prefix, kelpie_bytes *joined) {
    return kelpie_host_call(KELPIE_BINDING, "state", "keys", prefix, strlen(prefix), joined);
}

static void kelpie__log(const char *level, const char *format, va_list args) {
    char *text = kelpie__vformat(format, args);
    if (text != NULL) {
        kelpie_host_call(KELPIE_BINDING, "log", level, text, strlen(text), NULL);
        free(text);
    }
}

#define KELPIE__LOG_FUNCTION(fn, level)         \
    void fn(const char *format, ...) {          \
        va_list args;                           \
        va_start(args, format);                 \
        kelpie__log(level, format, args);       \
        va_end(args);                           \
    }
KELPIE__LOG_FUNCTION(kelpie_log_debug, "debug")
KELPIE__LOG_FUNCTION(kelpie_log_info, "info")
KELPIE__LOG_FUNCTION(kelpie_log_warn, "warn")
KELPIE__LOG_FUNCTION(kelpie_log_error, "error")

/* 1 to 20 ASCII digits that fit in a uint64_t. */
static int kelpie__parse_u64(const uint8_t *s, size_t len, uint64_t *out) {
    if (len == 0 || len > 20) {
        return 0;
    }
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (n > (UINT64_MAX - digit) / 10) {
            return 0;
        }
        n = n * 10 + digit;
    }
    *out = n;
    return 1;
}

static int kelpie__clock(const char *op, const char *function, uint64_t *out) {
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, "clock", op, "", 0, &r)) {
        return 0;
    }
    int ok = kelpie__parse_u64(r.data, r.len, out);
    kelpie_bytes_free(&r);
    return ok ? 1 : kelpie__malformed(function);
}

int kelpie_clock_now_millis(uint64_t *millis) {
    return kelpie__clock("now_millis", "clock.now_millis", millis);
}

int kelpie_clock_monotonic_nanos(uint64_t *nanos) {
    return kelpie__clock("monotonic_nanos", "clock.monotonic_nanos", nanos);
}

int kelpie_random_bytes(void *buffer, size_t n) {
    char count[24];
    int len = snprintf(count, sizeof count, "%zu", n);
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, "random", "bytes", count, (size_t)len, &r)) {
        return 0;
    }
    int ok = r.len == n;
    if (ok) {
        memcpy(buffer, r.data, n);
    }
    kelpie_bytes_free(&r);
    return ok ? 1 : kelpie__malformed("random.bytes");
}

int kelpie_random_u64(uint64_t *value) {
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, "random", "u64", "", 0, &r)) {
        return 0;
    }
    int ok = r.len == 8;
    if (ok) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | r.data[i];
        }
        *value = v;
    }
    kelpie_bytes_free(&r);
    return ok ? 1 : kelpie__malformed("random.u64");
}

int kelpie_actor_call(const char *type, const char *id, const char *operation, const void *payload, size_t len,
                      kelpie_bytes *response) {
    if (strchr(type, '\n') != NULL || strchr(id, '\n') != NULL || strchr(operation, '\n') != NULL) {
        static const char text[] = "actor type, id and operation must not contain a newline";
        kelpie__set_error(text, sizeof text - 1);
        return 0;
    }
    size_t t = strlen(type), i = strlen(id), o = strlen(operation);
    size_t total = t + i + o + 3 + len;
    uint8_t *request = kelpie__alloc(total);
    uint8_t *p = request;
    memcpy(p, type, t);
    p += t;
    *p++ = '\n';
    memcpy(p, id, i);
    p += i;
    *p++ = '\n';
    memcpy(p, operation, o);
    p += o;
    *p++ = '\n';
    if (len > 0) {
        memcpy(p, payload, len);
    }
    int ok = kelpie_host_call(KELPIE_BINDING, "actors", "call", request, total, response);
    free(request);
    return ok;
}

static int kelpie__schedule(const char *namespace, const char *name, const char *operation, uint64_t delay_ms,
                            uint64_t period_ms, const void *payload, size_t len) {
    if (strchr(name, '\n') != NULL || strchr(operation, '\n') != NULL) {
        static const char text[] = "name and operation must not contain a newline";
        kelpie__set_error(text, sizeof text - 1);
        return 0;
    }
    char numbers[48];
    int n = snprintf(numbers, sizeof numbers, "%llu\n%llu\n", (unsigned long long)delay_ms,
                     (unsigned long long)period_ms);
    size_t a = strlen(name), o = strlen(operation);
    size_t total = a + 1 + o + 1 + (size_t)n + len;
    uint8_t *request = kelpie__alloc(total);
    uint8_t *p = request;
    memcpy(p, name, a);
    p += a;
    *p++ = '\n';
    memcpy(p, operation, o);
    p += o;
    *p++ = '\n';
    memcpy(p, numbers, (size_t)n);
    p += n;
    if (len > 0) {
        memcpy(p, payload, len);
    }
    int ok = kelpie_host_call(KELPIE_BINDING, namespace, "set", request, total, NULL);
    free(request);
    return ok;
}

static int kelpie__cancel(const char *namespace, const char *name, int *existed) {
    kelpie_bytes r;
    if (!kelpie_host_call(KELPIE_BINDING, namespace, "cancel", name, strlen(name), &r)) {
        return 0;
    }
    int ok = r.len == 1 && (r.data[0] == 0 || r.data[0] == 1);
    if (ok && existed != NULL) {
        *existed = r.data[0];
    }
    kelpie_bytes_free(&r);
    return ok ? 1 : kelpie__malformed(namespace[0] == 't' ? "timers.cancel" : "reminders.cancel");
}

int kelpie_timer_set(const char *name, const char *operation, uint64_t delay_ms, uint64_t period_ms,
                     const void *payload, size_t len) {
    return kelpie__schedule("timers", name, operation, delay_ms, period_ms, payload, len);
}

int kelpie_reminder_set(const char *name, const char *operation, uint64_t delay_ms, uint64_t period_ms,
                        const void *payload, size_t len) {
    return kelpie__schedule("reminders", name, operation, delay_ms, period_ms, payload, len);
}

int kelpie_timer_cancel(const char *name, int *existed) {
    return kelpie__cancel("timers", name, existed);
}

int kelpie_reminder_cancel(const char *name, int *existed) {
    return kelpie__cancel("reminders", name, existed);
}

int kelpie_reminder_list(kelpie_bytes *joined) {
    return kelpie_host_call(KELPIE_BINDING, "reminders", "list", "", 0, joined);
}

#endif /* KELPIE_IMPLEMENTATION */
#endif /* KELPIE_H */
