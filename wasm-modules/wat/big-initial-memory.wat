;; Asks for 300 MiB of memory at start (4800 pages), over Kelpie's default 256 MiB cap.
(module
  (memory (export "memory") 4800)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))
