;; Its _start export never returns: activation must time out, not spin a worker forever.
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (global $spins (mut i32) (i32.const 0))
  (func (export "_start")
    (loop $forever
      (global.set $spins (i32.add (global.get $spins) (i32.const 1)))
      (br $forever)))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $resp (i32.const 0) (i32.const 0))
    (i32.const 1)))
