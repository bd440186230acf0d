;; A module that is not a waPC guest: memory but no __guest_call.
(module
  (memory (export "memory") 1)
  (func (export "hello") (result i32) (i32.const 42)))
