// Kelpie guest SDK for AssemblyScript: the guest side of the waPC protocol.
//
// A guest's entry file registers its operations in top-level code (AssemblyScript runs it from
// the wasm start section, before the host's first call) and re-exports the waPC entry point:
//
//   import { register, Result } from "../sdk/kelpie";
//   export { __guest_call } from "../sdk/kelpie";
//   register("echo", (payload: ArrayBuffer): Result => Result.ok(payload));
//
// Build with asc (see docs/guest-assemblyscript.md). The module imports `wapc.*` and
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
