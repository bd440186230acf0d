;; __guest_call reads a payload of two little-endian i32s, an address and a kind, and does one access at
;; that address: kind 0-3 loads 1, 2, 4 or 8 bytes, 4-7 stores 1, 2, 4 or 8 bytes (0x01 then zeros), 8
;; copies 8 bytes from the address to 64 (memory.copy), 9 fills 8 bytes at the address (memory.fill).
;; It answers the 8 bytes at 64 after the access. One page, maximum one page: an access that does not
;; fit below 65536 traps. The op name is written at 0 and the payload at 16, so ops are at most 16 bytes.
(module
  (import "wapc" "__guest_request" (func $req (param i32 i32)))
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $addr i32)
    (call $req (i32.const 0) (i32.const 16))
    (local.set $addr (i32.load (i32.const 16)))
    (block $done
      (block $fill (block $copy (block $s64 (block $s32 (block $s16 (block $s8
      (block $l64 (block $l32 (block $l16 (block $l8
        (br_table $l8 $l16 $l32 $l64 $s8 $s16 $s32 $s64 $copy $fill (i32.load (i32.const 20))))
        (i64.store (i32.const 64) (i64.load8_u (local.get $addr))) (br $done))
        (i64.store (i32.const 64) (i64.load16_u (local.get $addr))) (br $done))
        (i64.store (i32.const 64) (i64.load32_u (local.get $addr))) (br $done))
        (i64.store (i32.const 64) (i64.load (local.get $addr))) (br $done))
        (i32.store8 (local.get $addr) (i32.const 1)) (br $done))
        (i32.store16 (local.get $addr) (i32.const 1)) (br $done))
        (i32.store (local.get $addr) (i32.const 1)) (br $done))
        (i64.store (local.get $addr) (i64.const 1)) (br $done))
        (memory.copy (i32.const 64) (local.get $addr) (i32.const 8)) (br $done))
        (memory.fill (local.get $addr) (i32.const 7) (i32.const 8)))
    (call $resp (i32.const 64) (i32.const 8))
    (i32.const 1)))
