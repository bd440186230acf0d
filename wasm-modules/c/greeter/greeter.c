/*
 * Kelpie's C `greeter` actor: calls a host function and another actor.
 *
 * | operation       | payload          | result                                                              |
 * |-----------------|------------------|---------------------------------------------------------------------|
 * | `greet`         | a name (empty: `world`) | the answer of host function `kelpie/greeting/hello` for the name (examples/host-greeting) |
 * | `greet_counted` | a name (empty: `world`) | the greeting, then ` Visitor number <n>.`, n from `increment` on actor (`counter`, <name>) |
 * | other           |                  | error `unknown operation: <op>` (from the SDK)                      |
 *
 * Errors: `greeting failed: <host error>` (for example when no greeting host function is installed),
 * `counter failed: <error>` (the actor call's error). Each greeting is logged at info level.
 */
#define KELPIE_IMPLEMENTATION
#include "../kelpie.h"

#include <stdlib.h>
#include <string.h>

/* The payload as a C string, or "world" when empty. The caller frees it. */
static char *name_of(const uint8_t *payload, size_t len) {
    if (len == 0) {
        return strdup("world");
    }
    char *name = malloc(len + 1);
    if (name != NULL) {
        memcpy(name, payload, len);
        name[len] = 0;
    }
    return name;
}

/* The host's greeting for name into *text; on failure the call has failed already. */
static int greeting(const char *name, kelpie_bytes *text) {
    if (!kelpie_host_call(KELPIE_BINDING, "greeting", "hello", name, strlen(name), text)) {
        kelpie_fail("greeting failed: %s", kelpie_last_error());
        return 0;
    }
    kelpie_log_info("greeted %s", name);
    return 1;
}

static void greet(const uint8_t *payload, size_t len) {
    char *name = name_of(payload, len);
    kelpie_bytes text;
    if (name != NULL && greeting(name, &text)) {
        kelpie_respond(text.data, text.len);
        kelpie_bytes_free(&text);
    }
    free(name);
}

static void greet_counted(const uint8_t *payload, size_t len) {
    char *name = name_of(payload, len);
    kelpie_bytes text, count;
    if (name == NULL || !greeting(name, &text)) {
        free(name);
        return;
    }
    if (!kelpie_actor_call("counter", name, "increment", "", 0, &count)) {
        kelpie_fail("counter failed: %s", kelpie_last_error());
    } else {
        kelpie_console_log("%s is visitor %s", name, (const char *)count.data);
        size_t total = text.len + count.len + 32;
        char *answer = malloc(total);
        if (answer != NULL) {
            int n = snprintf(answer, total, "%s Visitor number %s.", (const char *)text.data, (const char *)count.data);
            kelpie_respond(answer, (size_t)n);
            free(answer);
        }
        kelpie_bytes_free(&count);
    }
    kelpie_bytes_free(&text);
    free(name);
}

KELPIE_EXPORT("wapc_init") void wapc_init(void) {
    kelpie_register("greet", greet);
    kelpie_register("greet_counted", greet_counted);
}
