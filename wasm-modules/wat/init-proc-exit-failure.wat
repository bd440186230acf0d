;; A WASI-command-style guest whose _start calls proc_exit with the code stored at byte 0 of
;; memory (set by the data segment): 3 here, so init fails.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\03")
  (data (i32.const 8) "alive")
  (func (export "_start") (call $exit (i32.load8_u (i32.const 0))))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (call $resp (i32.const 8) (i32.const 5))
    (i32.const 1)))
