;; Imports the host does not have: a function in env, a WASI function, and a table.
(module
  (import "env" "missing_fn" (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wapc" "__guest_response" (func (param i32 i32)))
  (import "env" "table" (table 1 funcref))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))
