/*
 * Kelpie's `counter` example actor in the shape of a TinyGo guest (TinyGo 0.35+: `tinygo build -target=wasip1
 * -buildmode=c-shared` with wapc-guest-tinygo), built from C because TinyGo is not installed here
 * (docs/guests/tinygo.md). The module exports `_initialize` (wasi-libc's reactor start, like TinyGo's
 * runtime start), `wapc_init` (which registers the handlers: the host runs it after `_initialize`, as for
 * TinyGo), `__guest_call` and `memory`; it imports only `wapc.*` and `wasi_snapshot_preview1.*`, and
 * build.sh replaces clang's producers section by TinyGo's, so the registry names its language `tinygo` and
 * the TinyGo adapter serves it. Operations, answers and errors are those of the C example
 * (c/counter/counter.c), whose source this is.
 */
#include "../../c/counter/counter.c"
