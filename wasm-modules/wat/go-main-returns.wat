;; A module shaped like a Kelpie Go guest (a WASI command importing kelpie_go.next_call) whose main
;; returns without ever asking for a call: the Go adapter must fail its instantiation, naming why.
(module
  (import "kelpie_go" "next_call" (func $next_call (param i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "_start")))
