;; __guest_call grows a table declared with a maximum (1..8 entries) by payload_len entries and answers
;; the 4-byte little-endian result of table.grow (-1 when refused). Loads: the table cannot outgrow 8.
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (table $t 1 8 funcref)
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (table.grow $t (ref.null func) (local.get $len)))
    (call $resp (i32.const 0) (i32.const 4))
    (i32.const 1)))
