;; Grows a table that declares no maximum: Chicory would let it reach 10 million entries per instance,
;; so the registry rejects it at load (see max_table_entries).
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (drop (table.grow $t (ref.null func) (local.get $len)))
    (i32.const 1)))
