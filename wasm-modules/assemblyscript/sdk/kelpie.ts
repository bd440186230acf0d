// Kelpie guest SDK for AssemblyScript: the guest side of the waPC protocol.
//
// A guest's entry file registers its operations in top-level code (AssemblyScript runs it from
// the wasm start section, before the host's first call) and re-exports the waPC entry point:
//
//   import { register, Result } from "../sdk/kelpie";
//   export { __guest_call } from "../sdk/kelpie";
//   register("echo", (payload: ArrayBuffer): Result => Result.ok(payload));
//
// Build with asc (see docs/guests/assemblyscript.md). The module imports `wapc.*` and
// `env.abort` (supplied by the Kelpie host) and exports `memory` and `__guest_call`.

// ---- waPC imports (all i32; pointers are offsets in memory 0) ----

@external("wapc", "__guest_request")
declare function wapc_guest_request(opPtr: usize, ptr: usize): void;
@external("wapc", "__guest_response")
declare function wapc_guest_response(ptr: usize, len: usize): void;
@external("wapc", "__guest_error")
declare function wapc_guest_error(ptr: usize, len: usize): void;
@external("wapc", "__host_call")
declare function wapc_host_call(
  bdPtr: usize, bdLen: usize,
  nsPtr: usize, nsLen: usize,
  opPtr: usize, opLen: usize,
  ptr: usize, len: usize
): i32;
@external("wapc", "__host_response_len")
declare function wapc_host_response_len(): usize;
@external("wapc", "__host_response")
declare function wapc_host_response(ptr: usize): void;
@external("wapc", "__host_error_len")
declare function wapc_host_error_len(): usize;
@external("wapc", "__host_error")
declare function wapc_host_error(ptr: usize): void;
@external("wapc", "__console_log")
declare function wapc_console_log(ptr: usize, len: usize): void;

// ---- results ----

/** The outcome of a handler or a host call: response bytes, or an error (UTF-8 bytes). */
export class Result {
  private constructor(
    private readonly _data: ArrayBuffer | null,
    private readonly _error: ArrayBuffer | null
  ) {}

  /** A successful result carrying `data`. */
  static ok(data: ArrayBuffer): Result {
    return new Result(data, null);
  }

  /** A successful result carrying the UTF-8 encoding of `text`. */
  static okText(text: string): Result {
    return new Result(String.UTF8.encode(text), null);
  }

  /** An error with message `message` (sent to the host as UTF-8). */
  static err(message: string): Result {
    return new Result(null, String.UTF8.encode(message));
  }

  /** An error whose message is given as UTF-8 bytes, passed on unchanged. */
  static errBytes(message: ArrayBuffer): Result {
    return new Result(null, message);
  }

  get isOk(): bool {
    return this._error === null;
  }

  /** The response bytes; aborts if this is an error. */
  get data(): ArrayBuffer {
    const data = this._data;
    if (data === null) throw new Error("Result is an error");
    return data;
  }

  /** The error message bytes (UTF-8); aborts if this is a success. */
  get errorBytes(): ArrayBuffer {
    const error = this._error;
    if (error === null) throw new Error("Result is not an error");
    return error;
  }

  /** The error message decoded from UTF-8; aborts if this is a success. */
  get error(): string {
    return String.UTF8.decode(this.errorBytes);
  }
}

/** An operation handler: takes the request payload, returns a Result. */
export type Handler = (payload: ArrayBuffer) => Result;

// ---- handler table ----

const handlerNames = new Array<ArrayBuffer>(); // operation names as UTF-8
const handlerFns = new Array<Handler>();

function bytesEqual(a: ArrayBuffer, b: ArrayBuffer): bool {
  const len = a.byteLength;
  if (len != b.byteLength) return false;
  return memory.compare(changetype<usize>(a), changetype<usize>(b), len) == 0;
}

/** Registers (or replaces) the handler for `operation`. Call it from top-level code. */
export function register(operation: string, handler: Handler): void {
  const name = String.UTF8.encode(operation);
  for (let i = 0; i < handlerNames.length; i++) {
    if (bytesEqual(handlerNames[i], name)) {
      handlerFns[i] = handler;
      return;
    }
  }
  handlerNames.push(name);
  handlerFns.push(handler);
}

// ---- byte helpers ----

/** UTF-8 encoding of `text`. */
export function toBytes(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

/** `text` decoded from UTF-8. */
export function toText(bytes: ArrayBuffer): string {
  return String.UTF8.decode(bytes);
}

/** The concatenation of `a` and `b`. */
export function concat(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  const out = new ArrayBuffer(a.byteLength + b.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(a), a.byteLength);
  memory.copy(changetype<usize>(out) + a.byteLength, changetype<usize>(b), b.byteLength);
  return out;
}

// ---- host calls and logging ----

/**
 * Calls the host function selected by `binding`, `namespace`, `operation` with `payload`.
 * Returns Result.ok(host response) or an error carrying the host's error bytes.
 * Only valid while the guest is handling a call (inside a handler).
 */
export function hostCall(binding: string, namespace: string, operation: string, payload: ArrayBuffer): Result {
  return hostCallBytes(String.UTF8.encode(binding), String.UTF8.encode(namespace), String.UTF8.encode(operation), payload);
}

/** Like hostCall, with binding, namespace and operation given as UTF-8 bytes. */
export function hostCallBytes(binding: ArrayBuffer, namespace: ArrayBuffer, operation: ArrayBuffer, payload: ArrayBuffer): Result {
  const ok = wapc_host_call(
    changetype<usize>(binding), <usize>binding.byteLength,
    changetype<usize>(namespace), <usize>namespace.byteLength,
    changetype<usize>(operation), <usize>operation.byteLength,
    changetype<usize>(payload), <usize>payload.byteLength
  );
  if (ok == 1) {
    const response = new ArrayBuffer(<i32>wapc_host_response_len());
    wapc_host_response(changetype<usize>(response));
    return Result.ok(response);
  }
  const error = new ArrayBuffer(<i32>wapc_host_error_len());
  wapc_host_error(changetype<usize>(error));
  return Result.errBytes(error);
}

/** Writes one log line through the host. */
export function consoleLog(message: string): void {
  consoleLogBytes(String.UTF8.encode(message));
}

/** Writes one log line (UTF-8 bytes) through the host. */
export function consoleLogBytes(message: ArrayBuffer): void {
  wapc_console_log(changetype<usize>(message), <usize>message.byteLength);
}

// ---- Kelpie's built-in host functions (binding "kelpie") ----
//
// Typed wrappers for the host functions every Kelpie runtime offers. Like hostCall, they work
// only while the host is calling the guest: in a handler or a lifecycle hook
// (kelpie_on_activate / kelpie_on_deactivate), not in top-level code. They call binding
// "kelpie". Nothing below declares a top-level variable or constant (AssemblyScript would emit
// it, used or not), so a guest that doesn't use these compiles exactly as before.

/**
 * The outcome of a typed host call: a value of type T, or an error message. Test `isOk`, then
 * read `value` (aborts if this is an error) or `error` (aborts if this is a success).
 */
export class Outcome<T> {
  constructor(
    private readonly _error: string | null,
    private readonly _value: T
  ) {}

  get isOk(): bool {
    return this._error === null;
  }

  /** The value; aborts if this is an error. */
  get value(): T {
    if (this._error !== null) throw new Error("Outcome is an error");
    return this._value;
  }

  /** The error message; aborts if this is a success. */
  get error(): string {
    const error = this._error;
    if (error === null) throw new Error("Outcome is not an error");
    return error;
  }
}

function outcomeOk<T>(value: T): Outcome<T> {
  return new Outcome<T>(null, value);
}

function outcomeErr<T>(message: string): Outcome<T> {
  if (isReference<T>()) return new Outcome<T>(message, changetype<T>(0));
  return new Outcome<T>(message, <T>0);
}

function malformed(fn: string): string {
  return "malformed response from kelpie." + fn;
}

function kelpieCall(namespace: string, operation: string, payload: ArrayBuffer): Result {
  return hostCall("kelpie", namespace, operation, payload);
}

/** 1 to 20 ASCII digits fitting in u64, or null. */
function parseU64(bytes: ArrayBuffer): Outcome<u64> | null {
  const len = bytes.byteLength;
  if (len == 0 || len > 20) return null;
  const base = changetype<usize>(bytes);
  let n: u64 = 0;
  for (let i = 0; i < len; i++) {
    const b = <u32>load<u8>(base + <usize>i);
    if (b < 0x30 || b > 0x39) return null;
    const digit = <u64>(b - 0x30);
    if (n > (u64.MAX_VALUE - digit) / 10) return null;
    n = n * 10 + digit;
  }
  return outcomeOk<u64>(n);
}

// -- state: the actor's own key-value state. Writes made during a call are committed when the
// call succeeds and dropped when it fails, traps or times out. Keys are 1 to 1024 bytes of UTF-8
// without NUL or newline; the host rejects others (the error is the host's text).

/** The value stored under `key` (null if there is none), or an error. */
export function stateGet(key: string): Outcome<ArrayBuffer | null> {
  const r = kelpieCall("state", "get", String.UTF8.encode(key));
  if (!r.isOk) return outcomeErr<ArrayBuffer | null>(r.error);
  const data = r.data;
  const len = data.byteLength;
  const flag = len > 0 ? load<u8>(changetype<usize>(data)) : <u8>0xff;
  if (flag == 1) return outcomeOk<ArrayBuffer | null>(data.slice(1));
  if (flag == 0 && len == 1) return outcomeOk<ArrayBuffer | null>(null);
  return outcomeErr<ArrayBuffer | null>(malformed("state.get"));
}

/** Stores `value` under `key`. Result.ok (empty data) or an error. */
export function stateSet(key: string, value: ArrayBuffer): Result {
  const k = String.UTF8.encode(key);
  const klen = k.byteLength;
  const payload = new ArrayBuffer(4 + klen + value.byteLength);
  const base = changetype<usize>(payload);
  store<u32>(base, <u32>klen); // little-endian, as wasm memory is
  memory.copy(base + 4, changetype<usize>(k), <usize>klen);
  memory.copy(base + 4 + <usize>klen, changetype<usize>(value), <usize>value.byteLength);
  const r = kelpieCall("state", "set", payload);
  if (!r.isOk) return r;
  return Result.ok(new ArrayBuffer(0));
}

/** Removes `key`; true if it existed. */
export function stateDelete(key: string): Outcome<bool> {
  const r = kelpieCall("state", "delete", String.UTF8.encode(key));
  if (!r.isOk) return outcomeErr<bool>(r.error);
  const data = r.data;
  if (data.byteLength == 1) {
    const flag = load<u8>(changetype<usize>(data));
    if (flag == 1) return outcomeOk<bool>(true);
    if (flag == 0) return outcomeOk<bool>(false);
  }
  return outcomeErr<bool>(malformed("state.delete"));
}

/** The keys starting with `prefix` (every key for ""), in the host's order. */
export function stateKeys(prefix: string): Outcome<Array<string>> {
  const r = kelpieCall("state", "keys", String.UTF8.encode(prefix));
  if (!r.isOk) return outcomeErr<Array<string>>(r.error);
  const data = r.data;
  const keys = new Array<string>();
  const len = data.byteLength;
  if (len == 0) return outcomeOk<Array<string>>(keys);
  const base = changetype<usize>(data);
  let start = 0;
  for (let i = 0; i <= len; i++) {
    if (i == len || load<u8>(base + <usize>i) == 0x0a) {
      keys.push(String.UTF8.decodeUnsafe(base + <usize>start, <usize>(i - start)));
      start = i + 1;
    }
  }
  return outcomeOk<Array<string>>(keys);
}

// -- log: the host's logger, tagged with the actor. A failing log call is ignored.

function logAt(level: string, message: string): void {
  kelpieCall("log", level, String.UTF8.encode(message));
}

/** Logs `message` at debug level. */
export function logDebug(message: string): void {
  logAt("debug", message);
}

/** Logs `message` at info level. */
export function logInfo(message: string): void {
  logAt("info", message);
}

/** Logs `message` at warn level. */
export function logWarn(message: string): void {
  logAt("warn", message);
}

/** Logs `message` at error level. */
export function logError(message: string): void {
  logAt("error", message);
}

// -- clock and random

function clockRead(operation: string): Outcome<u64> {
  const r = kelpieCall("clock", operation, new ArrayBuffer(0));
  if (!r.isOk) return outcomeErr<u64>(r.error);
  const n = parseU64(r.data);
  if (n === null) return outcomeErr<u64>(malformed("clock." + operation));
  return n;
}

/** Wall-clock time: milliseconds since the Unix epoch. */
export function clockNowMillis(): Outcome<u64> {
  return clockRead("now_millis");
}

/** A monotonic clock in nanoseconds (only differences are meaningful). */
export function clockMonotonicNanos(): Outcome<u64> {
  return clockRead("monotonic_nanos");
}

/** `n` random bytes (the host accepts 1 to 65536). */
export function randomBytes(n: i32): Result {
  const r = kelpieCall("random", "bytes", String.UTF8.encode(n.toString()));
  if (r.isOk && r.data.byteLength != n) return Result.err(malformed("random.bytes"));
  return r;
}

/** A random u64. */
export function randomU64(): Outcome<u64> {
  const r = kelpieCall("random", "u64", new ArrayBuffer(0));
  if (!r.isOk) return outcomeErr<u64>(r.error);
  const data = r.data;
  if (data.byteLength != 8) return outcomeErr<u64>(malformed("random.u64"));
  return outcomeOk<u64>(load<u64>(changetype<usize>(data)));
}

// -- actors

/**
 * Invokes `operation` on the actor (`actorType`, `id`) with `payload`: Result.ok(its response)
 * or an error (the target's guest error, or why the call could not be made). `actorType`, `id`
 * and `operation` must not contain a newline.
 */
export function actorCall(actorType: string, id: string, operation: string, payload: ArrayBuffer): Result {
  if (actorType.includes("\n") || id.includes("\n") || operation.includes("\n")) {
    return Result.err("actor type, id and operation must not contain a newline");
  }
  const head = String.UTF8.encode(actorType + "\n" + id + "\n" + operation + "\n");
  return kelpieCall("actors", "call", concat(head, payload));
}

// -- timers and reminders: messages this actor sends itself later. A timer lives while the actor is
// active (passivation ends it); a reminder is durable (stored by the host, fires after restarts too, at
// least once). Names are 1 to 128 of A-Z a-z 0-9 . _ -; period 0 means once. The deployment must declare
// the host namespaces `timers` / `reminders`.

function scheduleRequest(name: string, operation: string, delayMs: u64, periodMs: u64, payload: ArrayBuffer): ArrayBuffer {
  const head = String.UTF8.encode(name + "\n" + operation + "\n" + delayMs.toString() + "\n" + periodMs.toString() + "\n");
  return concat(head, payload);
}

function schedule(namespace: string, name: string, operation: string, delayMs: u64, periodMs: u64, payload: ArrayBuffer): Result {
  if (name.includes("\n") || operation.includes("\n")) {
    return Result.err("name and operation must not contain a newline");
  }
  return kelpieCall(namespace, "set", scheduleRequest(name, operation, delayMs, periodMs, payload));
}

function cancelNamed(namespace: string, name: string): Outcome<bool> {
  const r = kelpieCall(namespace, "cancel", String.UTF8.encode(name));
  if (!r.isOk) return outcomeErr<bool>(r.error);
  const data = r.data;
  if (data.byteLength == 1) {
    const flag = load<u8>(changetype<usize>(data));
    if (flag == 1) return outcomeOk<bool>(true);
    if (flag == 0) return outcomeOk<bool>(false);
  }
  return outcomeErr<bool>(malformed(namespace + ".cancel"));
}

/** Sets (or replaces) the timer `name`: `operation` with `payload` after `delayMs`, then every `periodMs` (0: once). */
export function timerSet(name: string, operation: string, delayMs: u64, periodMs: u64, payload: ArrayBuffer): Result {
  return schedule("timers", name, operation, delayMs, periodMs, payload);
}

/** Cancels the timer `name`; true if there was one. */
export function timerCancel(name: string): Outcome<bool> {
  return cancelNamed("timers", name);
}

/** Sets (or replaces) the durable reminder `name`: `operation` with `payload` after `delayMs`, then every `periodMs` (0: once). */
export function reminderSet(name: string, operation: string, delayMs: u64, periodMs: u64, payload: ArrayBuffer): Result {
  return schedule("reminders", name, operation, delayMs, periodMs, payload);
}

/** Cancels the reminder `name`; true if there was one. */
export function reminderCancel(name: string): Outcome<bool> {
  return cancelNamed("reminders", name);
}

/** The names of this actor's reminders, sorted. */
export function reminderList(): Outcome<Array<string>> {
  const r = kelpieCall("reminders", "list", new ArrayBuffer(0));
  if (!r.isOk) return outcomeErr<Array<string>>(r.error);
  const data = r.data;
  const names = new Array<string>();
  const len = data.byteLength;
  if (len == 0) return outcomeOk<Array<string>>(names);
  const base = changetype<usize>(data);
  let start = 0;
  for (let i = 0; i <= len; i++) {
    if (i == len || load<u8>(base + <usize>i) == 0x0a) {
      names.push(String.UTF8.decodeUnsafe(base + <usize>start, <usize>(i - start)));
      start = i + 1;
    }
  }
  return outcomeOk<Array<string>>(names);
}

// ---- the waPC entry point ----

const UNKNOWN_OPERATION = String.UTF8.encode("unknown operation: ");

/**
 * Called by the host for every invocation: fetches operation and payload, runs the handler,
 * hands back the response (returns 1) or the error (returns 0). Re-export it from the entry file.
 */
function dispatch(op: ArrayBuffer, payload: ArrayBuffer): Result {
  for (let i = 0; i < handlerNames.length; i++) {
    if (bytesEqual(handlerNames[i], op)) return handlerFns[i](payload);
  }
  return Result.errBytes(concat(UNKNOWN_OPERATION, op));
}

export function __guest_call(opLen: i32, payloadLen: i32): i32 {
  const op = new ArrayBuffer(opLen);
  const payload = new ArrayBuffer(payloadLen);
  wapc_guest_request(changetype<usize>(op), changetype<usize>(payload));
  const result = dispatch(op, payload);
  if (result.isOk) {
    const data = result.data;
    wapc_guest_response(changetype<usize>(data), <usize>data.byteLength);
    return 1;
  }
  const error = result.errorBytes;
  wapc_guest_error(changetype<usize>(error), <usize>error.byteLength);
  return 0;
}
