;; __guest_call grows its table (declared with 1 entry and no maximum) by payload_len * 65536 entries and
;; answers the 4-byte little-endian result of table.grow (-1 when refused).
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (i32.store (i32.const 0)
      (table.grow $t (ref.null func) (i32.shl (local.get $len) (i32.const 16))))
    (call $resp (i32.const 0) (i32.const 4))
    (i32.const 1)))
