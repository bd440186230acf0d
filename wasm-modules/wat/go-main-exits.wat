;; A module shaped like a Kelpie Go guest whose main exits with code 3 before it serves a call (as a Go
;; program does on os.Exit(3) or, with code 2, on a panic): the Go adapter must fail its instantiation
;; naming the exit code.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "kelpie_go" "next_call" (func $next_call (param i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $proc_exit (i32.const 3))))
