;; Hands the host buffers as big as its whole memory; which import depends on the operation name's length:
;; 1: memory.grow by payload_len pages, answers "grown"
;; 2: __guest_response of the whole memory       3: __guest_error of the whole memory
;; 4: __console_log of the whole memory          5: __host_call kelpie/test/echo with the whole memory
;;    as payload (answers "host error" when the host refuses it)
;; 6: __host_call with a namespace name of the whole memory
;; Starts at 1 page, declares no maximum.
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (import "wapc" "__guest_error" (func $err (param i32 i32)))
  (import "wapc" "__console_log" (func $log (param i32 i32)))
  (import "wapc" "__host_call" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "kelpietestechogrownhost error")
  (func $size (result i32) (i32.mul (memory.size) (i32.const 65536)))
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $op_len) (i32.const 1))
      (then (drop (memory.grow (local.get $len)))
            (call $resp (i32.const 14) (i32.const 5))
            (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 2))
      (then (call $resp (i32.const 0) (call $size)) (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 3))
      (then (call $err (i32.const 0) (call $size)) (return (i32.const 0))))
    (if (i32.eq (local.get $op_len) (i32.const 4))
      (then (call $log (i32.const 0) (call $size)) (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 5))
      (then (if (call $call (i32.const 0) (i32.const 6) (i32.const 6) (i32.const 4) (i32.const 10) (i32.const 4)
                            (i32.const 0) (call $size))
              (then (call $resp (i32.const 14) (i32.const 5)))
              (else (call $resp (i32.const 19) (i32.const 10))))
            (return (i32.const 1))))
    (if (i32.eq (local.get $op_len) (i32.const 6))
      (then (drop (call $call (i32.const 0) (i32.const 6) (i32.const 0) (call $size) (i32.const 10) (i32.const 4)
                              (i32.const 0) (i32.const 0)))
            (call $resp (i32.const 19) (i32.const 10))
            (return (i32.const 1))))
    (i32.const 0)))
