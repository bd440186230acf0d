// Kelpie's AssemblyScript `counter` actor: durable state through the host (binding `kelpie`,
// namespace `state`), with the operations, answers and errors of the Rust and C counters:
//
//   increment  empty (+1) or a decimal amount -> adds the amount to `count`; the new value
//   get        ignored -> the current value (`0` when `count` is absent)
//   reset      ignored -> deletes `count`; `0`
//   remind     `delay_ms` or `delay_ms amount` -> sets the durable reminder `remind` (`increment` with
//              the amount later, even across restarts); `ok`. Needs the host namespace `reminders`.
//   other      error `unknown operation: <op>` (from the SDK)
//
// Values are decimal ASCII. An amount is an optional `-` and ASCII digits, fitting in i64; anything
// else is error `bad amount: <payload>`. A stored value that is not such a number gives error
// `bad count in state: <value>`, and an i64 overflow gives error `count overflow`. State errors
// from the host are passed on as the guest error unchanged.

import { register, reminderSet, Result, stateGet, stateSet, stateDelete, toBytes, toText } from "../sdk/kelpie";
export { __guest_call } from "../sdk/kelpie";

// An optional '-' followed by ASCII digits, fitting in i64; `ok` is false otherwise.
class Parsed {
  constructor(public ok: bool, public value: i64) {}
}

function parseI64(bytes: ArrayBuffer): Parsed {
  const len = bytes.byteLength;
  const base = changetype<usize>(bytes);
  const negative = len > 0 && load<u8>(base) == 0x2d;
  let i = negative ? 1 : 0;
  if (i == len) return new Parsed(false, 0);
  const limit: u64 = negative ? <u64>i64.MAX_VALUE + 1 : <u64>i64.MAX_VALUE;
  let n: u64 = 0;
  for (; i < len; i++) {
    const b = <u32>load<u8>(base + <usize>i);
    if (b < 0x30 || b > 0x39) return new Parsed(false, 0);
    const digit = <u64>(b - 0x30);
    if (n > (limit - digit) / 10) return new Parsed(false, 0);
    n = n * 10 + digit;
  }
  return new Parsed(true, negative ? <i64>(0 - n) : <i64>n);
}

const COUNT = "count";

// The number stored under `count` (0 when absent), or the error to answer with.
function readCount(): Result {
  const stored = stateGet(COUNT);
  if (!stored.isOk) return Result.err(stored.error);
  const value = stored.value;
  if (value === null) return Result.okText("0");
  const parsed = parseI64(value);
  if (!parsed.ok) return Result.err("bad count in state: " + toText(value));
  return Result.ok(value);
}

function increment(payload: ArrayBuffer): Result {
  let amount: i64 = 1;
  if (payload.byteLength > 0) {
    const parsed = parseI64(payload);
    if (!parsed.ok) return Result.err("bad amount: " + toText(payload));
    amount = parsed.value;
  }
  const current = readCount();
  if (!current.isOk) return current;
  const count = parseI64(current.data).value;
  const sum = count + amount;
  // Signed overflow: both operands have the same sign and the sum's sign differs.
  if (((count ^ sum) & (amount ^ sum)) < 0) return Result.err("count overflow");
  const text = toBytes(sum.toString());
  const stored = stateSet(COUNT, text);
  if (!stored.isOk) return stored;
  return Result.ok(text);
}

function get(payload: ArrayBuffer): Result {
  return readCount();
}

function reset(payload: ArrayBuffer): Result {
  const deleted = stateDelete(COUNT);
  if (!deleted.isOk) return Result.err(deleted.error);
  return Result.okText("0");
}

// `delay_ms` or `delay_ms amount`: a durable reminder sends `increment` with the amount later.
function remind(payload: ArrayBuffer): Result {
  const len = payload.byteLength;
  const base = changetype<usize>(payload);
  let space = 0;
  while (space < len && load<u8>(base + <usize>space) != 0x20) space++;
  const delay = parseI64(payload.slice(0, space));
  const amount = space < len ? payload.slice(space + 1) : new ArrayBuffer(0);
  if (!delay.ok || delay.value < 0 || (amount.byteLength > 0 && !parseI64(amount).ok)) {
    return Result.err("bad remind payload: " + toText(payload));
  }
  const set = reminderSet("remind", "increment", <u64>delay.value, 0, amount);
  if (!set.isOk) return set;
  return Result.okText("ok");
}

register("increment", increment);
register("get", get);
register("reset", reset);
register("remind", remind);
