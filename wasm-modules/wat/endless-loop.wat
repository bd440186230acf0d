;; __guest_call never returns: for interrupt and timeout tests.
(module
  (memory (export "memory") 1)
  (global $spins (mut i32) (i32.const 0))
  (func (export "__guest_call") (param i32 i32) (result i32)
    (loop $forever
      (global.set $spins (i32.add (global.get $spins) (i32.const 1)))
      (br $forever))
    (i32.const 1)))
