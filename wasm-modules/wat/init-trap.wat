;; Traps in _initialize.
(module
  (memory (export "memory") 1)
  (func (export "_initialize") unreachable)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))
