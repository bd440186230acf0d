;; __guest_call grows memory by payload_len pages and answers the 4-byte little-endian result of
;; memory.grow (-1 when refused). Starts at 1 page, declares no maximum.
(module
  (import "wapc" "__guest_response" (func $resp (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (memory.grow (local.get $len)))
    (call $resp (i32.const 0) (i32.const 4))
    (i32.const 1)))
