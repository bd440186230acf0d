;; Its start section never returns: activation must time out, not spin a worker forever.
(module
  (memory (export "memory") 1)
  (global $spins (mut i32) (i32.const 0))
  (func $spin
    (loop $forever
      (global.set $spins (i32.add (global.get $spins) (i32.const 1)))
      (br $forever)))
  (start $spin)
  (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))
