;; Writes payload_len lines in a tight loop: through __console_log when the operation name has 1 byte,
;; through __host_call kelpie/log/info when it has 2. Answers "done".
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (import "wapc" "__console_log" (func $log (param i32 i32)))
  (import "wapc" "__host_call" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "kelpieloginfoflood linedone")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $i i32)
    (block $out
      (loop $lines
        (br_if $out (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.eq (local.get $op_len) (i32.const 1))
          (then (call $log (i32.const 13) (i32.const 10)))
          (else (drop (call $call (i32.const 0) (i32.const 6) (i32.const 6) (i32.const 3) (i32.const 9) (i32.const 4)
                                  (i32.const 13) (i32.const 10)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $lines)))
    (call $resp (i32.const 23) (i32.const 4))
    (i32.const 1)))
