;; Behaves when it is not an actor, spins when it is one: each call first asks the host for
;; state/get("k"); if the host answers (it is a real actor) the call loops forever, otherwise (host
;; error: not an actor) it answers "ok". An install check that runs it outside an actor sees a
;; harmless module; as an actor every call must end at the invocation timeout.
(module
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (global $spins (mut i32) (i32.const 0))
  (data (i32.const 0) "kelpie")
  (data (i32.const 8) "state")
  (data (i32.const 16) "get")
  (data (i32.const 24) "k")
  (data (i32.const 32) "ok")
  (func (export "__guest_call") (param i32 i32) (result i32)
    (if (call $host_call (i32.const 0) (i32.const 6) (i32.const 8) (i32.const 5)
                         (i32.const 16) (i32.const 3) (i32.const 24) (i32.const 1))
      (then
        (loop $forever
          (global.set $spins (i32.add (global.get $spins) (i32.const 1)))
          (br $forever))))
    (call $resp (i32.const 32) (i32.const 2))
    (i32.const 1)))
