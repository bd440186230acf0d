;; A guest whose wapc_init reads the clock (WASI clock_time_get) into memory at 1024: its init is not
;; deterministic, so the host must run it for every instance instead of restoring a memory image.
;; __guest_call answers the 8 bytes it read.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "wapc_init")
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 1024))))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $resp (i32.const 1024) (i32.const 8))
    (i32.const 1)))
