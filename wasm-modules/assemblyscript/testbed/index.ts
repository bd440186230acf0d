// Kelpie AssemblyScript test guest. Implements the testbed operations contract shared with the
// Rust testbed (wasm-modules/rust/testbed/src/lib.rs); the Java tests depend on it byte-for-byte:
//
//   echo       payload unchanged
//   host_call  payload "binding\nnamespace\noperation\n" + bytes -> the host's response;
//              host failure -> error "host call failed: <host error>";
//              fewer than three "\n" -> error "bad host_call payload"
//   fail       error "guest failed: <payload>"
//   trap       wasm unreachable
//   log        __console_log(payload), response "logged"
//   alloc      decimal N -> leaks an N-byte buffer (every 4096th byte written), response decimal N;
//              bad N -> error "bad alloc size"
//   spin       loops forever
//   fib        decimal n -> decimal recursive fib(n) (u64, wrapping); bad n -> error "bad fib input"
//   other      error "unknown operation: <op>" (from the SDK)
//
// Decimal inputs are 1 to 10 ASCII digits with a value that fits in u32 (no sign, no whitespace).
// Handlers are registered by top-level code, which AssemblyScript runs from the start section.

import { register, Result, hostCallBytes, consoleLogBytes, toBytes, concat } from "../sdk/kelpie";
export { __guest_call } from "../sdk/kelpie";

function echo(payload: ArrayBuffer): Result {
  return Result.ok(payload);
}

const HOST_CALL_FAILED = toBytes("host call failed: ");

function hostCallOp(payload: ArrayBuffer): Result {
  const bytes = Uint8Array.wrap(payload);
  const cuts = new StaticArray<i32>(3);
  let found = 0;
  for (let i = 0; i < bytes.length && found < 3; i++) {
    if (bytes[i] == 0x0a) cuts[found++] = i;
  }
  if (found < 3) return Result.err("bad host_call payload");
  const binding = payload.slice(0, cuts[0]);
  const namespace = payload.slice(cuts[0] + 1, cuts[1]);
  const operation = payload.slice(cuts[1] + 1, cuts[2]);
  const rest = payload.slice(cuts[2] + 1);
  const result = hostCallBytes(binding, namespace, operation, rest);
  if (result.isOk) return result;
  return Result.errBytes(concat(HOST_CALL_FAILED, result.errorBytes));
}

const GUEST_FAILED = toBytes("guest failed: ");

function fail(payload: ArrayBuffer): Result {
  return Result.errBytes(concat(GUEST_FAILED, payload));
}

function trap(payload: ArrayBuffer): Result {
  unreachable();
  return Result.ok(payload);
}

function log(payload: ArrayBuffer): Result {
  consoleLogBytes(payload);
  return Result.okText("logged");
}

/** 1 to 10 ASCII digits fitting in u32, or -1. */
function parseU32(payload: ArrayBuffer): i64 {
  const bytes = Uint8Array.wrap(payload);
  const len = bytes.length;
  if (len == 0 || len > 10) return -1;
  let n: i64 = 0;
  for (let i = 0; i < len; i++) {
    const b = <i32>bytes[i];
    if (b < 0x30 || b > 0x39) return -1;
    n = n * 10 + <i64>(b - 0x30);
  }
  return n > <i64>u32.MAX_VALUE ? -1 : n;
}

/** Buffers leaked by alloc, kept reachable so memory really grows. */
const leaked = new Array<ArrayBuffer>();

function alloc(payload: ArrayBuffer): Result {
  const n = parseU32(payload);
  if (n < 0) return Result.err("bad alloc size");
  const buf = new ArrayBuffer(<i32>n); // > 1 GiB (or memory limit hit): aborts, i.e. traps
  const base = changetype<usize>(buf);
  for (let i: i64 = 0; i < n; i += 4096) store<u8>(base + <usize>i, 1);
  leaked.push(buf);
  return Result.okText(n.toString());
}

/** Never written: spin's loop condition, so the loop is a real loop the optimiser keeps. */
let spinStop: i32 = 0;
let spinCount: u64 = 0;

function spin(payload: ArrayBuffer): Result {
  while (spinStop == 0) spinCount++;
  return Result.okText(spinCount.toString());
}

function fibRec(n: u32): u64 {
  return n < 2 ? <u64>n : fibRec(n - 1) + fibRec(n - 2);
}

function fib(payload: ArrayBuffer): Result {
  const n = parseU32(payload);
  if (n < 0) return Result.err("bad fib input");
  return Result.okText(fibRec(<u32>n).toString());
}

// Registration runs last in the start function, after the globals above are initialised.
register("echo", echo);
register("host_call", hostCallOp);
register("fail", fail);
register("trap", trap);
register("log", log);
register("alloc", alloc);
register("spin", spin);
register("fib", fib);
