;; Records the order the host runs its init exports in: _start writes S, _initialize I, wapc_init W.
;; __guest_call answers the record; "wapc_init" also logs through __console_log.
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (import "wapc" "__console_log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 100) "init done")
  (func $mark (param $c i32)
    (i32.store8 (global.get $n) (local.get $c))
    (global.set $n (i32.add (global.get $n) (i32.const 1))))
  (func (export "_start") (call $mark (i32.const 83)))
  (func (export "_initialize") (call $mark (i32.const 73)))
  (func (export "wapc_init") (call $mark (i32.const 87)) (call $log (i32.const 100) (i32.const 9)))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $resp (i32.const 0) (global.get $n))
    (i32.const 1)))
