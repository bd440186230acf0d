;; Calls __guest_error but returns 1: wapc-go's rule says that is a failed call. Payload length 1
;; instead returns 0 with no error message at all.
(module
  (import "wapc" "__guest_error" (func $err (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "half failed")
  (func (export "__guest_call") (param $op i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $len) (i32.const 1)) (then (return (i32.const 0))))
    (call $err (i32.const 0) (i32.const 11))
    (i32.const 1)))
