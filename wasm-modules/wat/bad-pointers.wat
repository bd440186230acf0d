;; Breaks the waPC ABI on purpose; which rule depends on the payload length:
;; 1: __guest_response past the end of memory   2: __guest_request into memory it does not have
;; 3: __host_call with a namespace pointer past the end   4: __guest_error with a huge length
;; 5: __console_log with a negative (huge unsigned) pointer   6: __host_response into memory it does not have
;; other: answers "ok" properly.
(module
  (import "wapc" "__guest_request" (func $req (param i32 i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (import "wapc" "__guest_error" (func $err (param i32 i32)))
  (import "wapc" "__host_call" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response" (func $hresp (param i32)))
  (import "wapc" "__console_log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "ok")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $len) (i32.const 1))
      (then (call $resp (i32.const 65530) (i32.const 100)) (return (i32.const 1))))
    (if (i32.eq (local.get $len) (i32.const 2))
      (then (call $req (i32.const 0) (i32.const 65535)) (return (i32.const 1))))
    (if (i32.eq (local.get $len) (i32.const 3))
      (then (drop (call $call (i32.const 16) (i32.const 2) (i32.const 70000) (i32.const 4)
                              (i32.const 16) (i32.const 2) (i32.const 16) (i32.const 0)))
            (return (i32.const 1))))
    (if (i32.eq (local.get $len) (i32.const 4))
      (then (call $err (i32.const 0) (i32.const -1)) (return (i32.const 0))))
    (if (i32.eq (local.get $len) (i32.const 5))
      (then (call $log (i32.const -8) (i32.const 4)) (return (i32.const 1))))
    (if (i32.eq (local.get $len) (i32.const 6))
      (then (drop (call $call (i32.const 16) (i32.const 2) (i32.const 16) (i32.const 2)
                              (i32.const 16) (i32.const 2) (i32.const 16) (i32.const 0)))
            (call $hresp (i32.const 65535))
            (return (i32.const 1))))
    (call $resp (i32.const 16) (i32.const 2))
    (i32.const 1)))
