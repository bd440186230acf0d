/* Kelpie's C `echo` guest: the smallest C actor. Operation `echo` answers its payload unchanged. */
#define KELPIE_IMPLEMENTATION
#include "../kelpie.h"

static void echo(const uint8_t *payload, size_t len) {
    kelpie_respond(payload, len);
}

KELPIE_EXPORT("wapc_init") void wapc_init(void) {
    kelpie_register("echo", echo);
}
