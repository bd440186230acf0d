/*
 * A C guest for the tests of Kelpie's WASI adapter (bundles/guest-wasi): it uses wasi-libc's stdio,
 * clocks, sleep, randomness and exit, as ordinary C code does.
 *
 * | operation       | payload             | effect and result                                              |
 * |-----------------|---------------------|----------------------------------------------------------------|
 * | `print`         | text                | printf("%s\n") to stdout; `ok`                                 |
 * | `eprint`        | text                | fprintf(stderr, "%s\n"); `ok`                                  |
 * | `flood`         | decimal n           | prints `line 0` … `line n-1` to stdout; `ok`                   |
 * | `long_line`     | decimal n           | prints one line of n `x` to stdout; `ok`                       |
 * | `realtime`      | ignored             | clock_gettime(CLOCK_REALTIME) in milliseconds since the epoch  |
 * | `sleep`         | decimal milliseconds | nanosleep; the milliseconds CLOCK_MONOTONIC saw pass          |
 * | `sleep_forever` | ignored             | nanosleep of a day, again and again: never returns             |
 * | `random`        | ignored             | 16 bytes of getentropy as 32 hex digits                        |
 * | `exit`          | decimal code        | exit(code): never returns                                      |
 * | `args`          | ignored             | `argc=<n> env=<n>`                                             |
 * | `stdin`         | ignored             | `read=<n> eof=<0/1>`: one fread of stdin (empty: `read=0 eof=1`) |
 */
#define _DEFAULT_SOURCE /* nanosleep, clock_gettime, getentropy */
#define KELPIE_IMPLEMENTATION
#include "../kelpie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long number(const uint8_t *payload, size_t len) {
    char text[24];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, payload, n);
    text[n] = 0;
    return strtol(text, NULL, 10);
}

static void print(const uint8_t *payload, size_t len) {
    printf("%.*s\n", (int)len, (const char *)payload);
    kelpie_respond_str("ok");
}

static void eprint(const uint8_t *payload, size_t len) {
    fprintf(stderr, "%.*s\n", (int)len, (const char *)payload);
    kelpie_respond_str("ok");
}

static void flood(const uint8_t *payload, size_t len) {
    long n = number(payload, len);
    for (long i = 0; i < n; i++) {
        printf("line %ld\n", i);
    }
    kelpie_respond_str("ok");
}

static void long_line(const uint8_t *payload, size_t len) {
    long n = number(payload, len);
    for (long i = 0; i < n; i++) {
        putchar('x');
    }
    putchar('\n');
    kelpie_respond_str("ok");
}

static void respond_long(long long n) {
    char text[24];
    int len = snprintf(text, sizeof text, "%lld", n);
    kelpie_respond(text, (size_t)len);
}

static void realtime(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    respond_long((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

static void sleep_ms(const uint8_t *payload, size_t len) {
    long ms = number(payload, len);
    struct timespec start, end, delay = {ms / 1000, (ms % 1000) * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (nanosleep(&delay, NULL) != 0) {
        kelpie_fail("nanosleep failed");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    respond_long(((long long)end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000);
}

static void sleep_forever(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    struct timespec day = {86400, 0};
    for (;;) {
        nanosleep(&day, NULL);
    }
}

static void random_hex(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    unsigned char bytes[16];
    if (getentropy(bytes, sizeof bytes) != 0) {
        kelpie_fail("getentropy failed");
        return;
    }
    char hex[33];
    for (int i = 0; i < 16; i++) {
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    }
    kelpie_respond(hex, 32);
}

static void exit_with(const uint8_t *payload, size_t len) {
    exit((int)number(payload, len));
}

static void args(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    int env = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        env++;
    }
    char text[48];
    int n = snprintf(text, sizeof text, "argc=%d env=%d", 0, env);
    kelpie_respond(text, (size_t)n);
}

static void read_stdin(const uint8_t *payload, size_t len) {
    (void)payload;
    (void)len;
    char buffer[256];
    size_t n = fread(buffer, 1, sizeof buffer, stdin);
    char text[48];
    int m = snprintf(text, sizeof text, "read=%zu eof=%d", n, feof(stdin) ? 1 : 0);
    kelpie_respond(text, (size_t)m);
}

KELPIE_EXPORT("wapc_init") void wapc_init(void) {
    kelpie_register("print", print);
    kelpie_register("eprint", eprint);
    kelpie_register("flood", flood);
    kelpie_register("long_line", long_line);
    kelpie_register("realtime", realtime);
    kelpie_register("sleep", sleep_ms);
    kelpie_register("sleep_forever", sleep_forever);
    kelpie_register("random", random_hex);
    kelpie_register("exit", exit_with);
    kelpie_register("args", args);
    kelpie_register("stdin", read_stdin);
}
