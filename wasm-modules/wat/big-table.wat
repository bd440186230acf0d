;; Declares a table of 1,000,000 entries (the host's heap pays for each).
(module
  (memory (export "memory") 1)
  (table 1000000 funcref)
  (func (export "__guest_call") (param i32 i32) (result i32)
    (i32.const 1)))
