;; A waPC guest that imports WASI under its first snapshot's name, wasi_unstable (as TinyGo before 0.27
;; did). Any operation writes "unstable hello\n" to stdout and sleeps 20 ms in poll_oneoff with
;; wasi_unstable's subscription layout (clock id at offset 24, timeout at 32: 56-byte subscriptions).
;; The response is 56 bytes of memory from 256: the event (32 bytes: userdata u64, error u16, type u8),
;; then at 44 the number of events, at 48 fd_write's byte count, at 52 poll_oneoff's errno.
(module
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec {ptr 64, len 15}
  (data (i32.const 0) "\40\00\00\00\0f\00\00\00")
  (data (i32.const 64) "unstable hello\n")
  ;; subscription at 128: userdata 42, type 0 (clock), identifier 0, clock id 1 (monotonic),
  ;; timeout 20 000 000 ns, precision 0, flags 0 (relative)
  (data (i32.const 128) "\2a\00\00\00\00\00\00\00")
  (data (i32.const 152) "\01\00\00\00")
  (data (i32.const 160) "\00\2d\31\01\00\00\00\00")
  (func (export "__guest_call") (param i32 i32) (result i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 304)))
    (i32.store (i32.const 308)
      (call $poll_oneoff (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 300)))
    (call $guest_response (i32.const 256) (i32.const 56))
    (i32.const 1)))
