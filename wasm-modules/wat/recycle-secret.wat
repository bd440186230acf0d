;; A pure waPC guest for instance recycling: an actor can leave a secret in every kind of state a recycled
;; instance must not carry over. Operations (by their first byte):
;;   "p" (put): takes the first 4 payload bytes as the secret S and stores it in memory (at 1024 and at
;;       60000), in the mutable global (7 after init), in table slot 1 (ref.func $two instead of $one, and S
;;       at 65544 after growing the memory by one page); answers nothing;
;;   "r" (read): answers 20 bytes, little-endian i32s: the global, mem[1024], mem[60000], the result of
;;       calling table slot 1 (1 after init), memory.size in pages;
;;   "g": grows table 0 by one entry (a recycled instance's tables cannot shrink); answers nothing;
;;   "t": traps (unreachable); "l": loops forever (for call timeouts).
(module
  (import "wapc" "__guest_request" (func $req (param i32 i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 7))
  (type $answer (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $one $one)
  (elem declare func $two)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func (export "__guest_call") (param $opLen i32) (param $len i32) (result i32)
    (local $op i32)
    (local $s i32)
    (call $req (i32.const 2048) (i32.const 3072))
    (local.set $op (i32.load8_u (i32.const 2048)))
    (if (i32.eq (local.get $op) (i32.const 112)) ;; "p"
      (then
        (local.set $s (i32.load (i32.const 3072)))
        (i32.store (i32.const 1024) (local.get $s))
        (i32.store (i32.const 60000) (local.get $s))
        (global.set $g (local.get $s))
        (table.set 0 (i32.const 1) (ref.func $two))
        (drop (memory.grow (i32.const 1)))
        (i32.store (i32.const 65544) (local.get $s))
        (call $resp (i32.const 0) (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 114)) ;; "r"
      (then
        (i32.store (i32.const 4096) (global.get $g))
        (i32.store (i32.const 4100) (i32.load (i32.const 1024)))
        (i32.store (i32.const 4104) (i32.load (i32.const 60000)))
        (i32.store (i32.const 4108) (call_indirect (type $answer) (i32.const 1)))
        (i32.store (i32.const 4112) (memory.size))
        (call $resp (i32.const 4096) (i32.const 20))))
    (if (i32.eq (local.get $op) (i32.const 103)) ;; "g"
      (then
        (drop (table.grow 0 (ref.null func) (i32.const 1)))
        (call $resp (i32.const 0) (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 116)) ;; "t"
      (then unreachable))
    (if (i32.eq (local.get $op) (i32.const 108)) ;; "l"
      (then (loop $forever (br $forever))))
    (i32.const 1)))
