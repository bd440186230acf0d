;; A guest whose wapc_init changes every kind of state a memory image must hold: a mutable global
;; (7 -> 42), a data segment ("hello" -> "Jello"), a word of memory (1024 := 0xABCD), a grown page
;; (2 pages after init; 65544 := 0x1234) and a table entry (slot 1 := $two).
;; Operations (by their first byte): "r" answers 16 bytes: the global, mem[1024], mem[65544] and the
;; result of calling table slot 1, little-endian i32s; "s" answers the 5 bytes at 16 (the segment);
;; "w" adds 1 to the global, mem[1024] and mem[65544] and writes 'X' at 16, answering nothing.
(module
  (import "wapc" "__guest_request" (func $req (param i32 i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 7))
  (type $answer (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $one $one)
  (elem declare func $two)
  (data (i32.const 16) "hello")
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func (export "wapc_init")
    (global.set $g (i32.mul (global.get $g) (i32.const 6)))
    (i32.store8 (i32.const 16) (i32.const 74))
    (i32.store (i32.const 1024) (i32.const 0xABCD))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 65544) (i32.const 0x1234))
    (table.set 0 (i32.const 1) (ref.func $two)))
  (func (export "__guest_call") (param $opLen i32) (param $len i32) (result i32)
    (call $req (i32.const 2048) (i32.const 3072))
    (if (i32.eq (i32.load8_u (i32.const 2048)) (i32.const 114)) ;; "r"
      (then
        (i32.store (i32.const 4096) (global.get $g))
        (i32.store (i32.const 4100) (i32.load (i32.const 1024)))
        (i32.store (i32.const 4104) (i32.load (i32.const 65544)))
        (i32.store (i32.const 4108) (call_indirect (type $answer) (i32.const 1)))
        (call $resp (i32.const 4096) (i32.const 16))))
    (if (i32.eq (i32.load8_u (i32.const 2048)) (i32.const 115)) ;; "s"
      (then (call $resp (i32.const 16) (i32.const 5))))
    (if (i32.eq (i32.load8_u (i32.const 2048)) (i32.const 119)) ;; "w"
      (then
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 1024) (i32.add (i32.load (i32.const 1024)) (i32.const 1)))
        (i32.store (i32.const 65544) (i32.add (i32.load (i32.const 65544)) (i32.const 1)))
        (i32.store8 (i32.const 16) (i32.const 88))
        (call $resp (i32.const 0) (i32.const 0))))
    (i32.const 1)))
