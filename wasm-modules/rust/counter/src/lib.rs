//! Kelpie's Rust `counter` actor: an example of a stateful actor, and a guest for the runtime's
//! tests (state transactions, lifecycle hooks, timeouts, actor-to-actor calls). Its state lives
//! in the host's actor state (binding `kelpie`, namespace `state`), never in guest memory, so it
//! survives passivation, and a failed call's writes are rolled back by the runtime.
//!
//! | operation       | payload                               | result |
//! |-----------------|---------------------------------------|--------|
//! | `increment`     | empty (+1) or decimal amount          | adds the amount to `count`; the new value |
//! | `get`           | ignored                               | the current value (`0` when `count` is absent) |
//! | `reset`         | ignored                               | deletes `count`; `0` |
//! | `remind`        | `delay_ms` or `delay_ms amount`       | sets the durable reminder `remind`: `increment` with the amount (empty: +1) after `delay_ms`, even across restarts; `ok`; a bad number: error `bad remind payload: <payload>` |
//! | `add_then_fail` | like `increment`                      | writes count+amount, then error `failed after write` |
//! | `add_then_trap` | like `increment`                      | writes count+amount, then traps (`unreachable`) |
//! | `add_then_spin` | like `increment`                      | writes count+amount, then loops forever |
//! | `call`          | `type\nid\noperation\n` + bytes       | `actors::call` response, or error `call failed: <error>`; fewer than three `\n`: error `bad call payload` |
//! | `keys`          | key prefix (may be empty)             | `state::keys(prefix)` joined by `\n` (empty if none) |
//! | `put`           | `key\nvalue` (value: any bytes)       | `state::set(key, value)`; `ok`; no `\n`: error `bad put payload` |
//! | `fetch`         | key                                   | the value, or error `no such key: <key>` |
//! | `remove`        | key                                   | `state::delete(key)`: `true` or `false` |
//! | other           |                                       | error `unknown operation: <op>` (from the SDK) |
//!
//! Values are decimal ASCII. An amount is an optional `-` and ASCII digits, fitting in i64;
//! anything else is error `bad amount: <payload>`. `count` is an i64 stored in state key
//! `count`; a stored value that is not such a number gives error `bad count in state: <value>`,
//! and an i64 overflow gives error `count overflow`. Keys must be UTF-8 (else error
//! `key is not UTF-8`); state errors from the host (an invalid key, for example) are passed
//! through as the guest error unchanged.
//!
//! Lifecycle hooks: `kelpie_on_activate` logs `activated` (log level info) and adds 1 to the
//! decimal state key `activations`, trapping if the state call fails; `kelpie_on_deactivate`
//! logs `deactivated`.
//!
//! Built with `--cfg counter_example` (`counter-example.wasm`, the example actor `counter-rust`) it
//! has only `increment`, `get`, `reset` and `remind` and no lifecycle hooks: the same actor as the C
//! and AssemblyScript counters. `remind` needs the host namespace `reminders`.
#![cfg_attr(counter_example, allow(dead_code))]

#[cfg(not(counter_example))]
use kelpie_guest::log;
use kelpie_guest::{actors, register, reminders, state};
use std::cell::UnsafeCell;

const COUNT: &str = "count";
const ACTIVATIONS: &str = "activations";

#[no_mangle]
pub extern "C" fn wapc_init() {
    register("increment", increment);
    register("get", get);
    register("reset", reset);
    register("remind", remind);
    #[cfg(not(counter_example))]
    register_test_operations();
}

#[cfg(not(counter_example))]
fn register_test_operations() {
    register("add_then_fail", add_then_fail);
    register("add_then_trap", add_then_trap);
    register("add_then_spin", add_then_spin);
    register("call", call);
    register("keys", keys);
    register("put", put);
    register("fetch", fetch);
    register("remove", remove);
    register("version", version);
}

/// `counter.wasm` answers 1, `counter-v2.wasm` (built with `--cfg counter_v2`) answers 2: two versions
/// of one actor for hot-swap tests.
#[cfg(not(counter_v2))]
const VERSION: &str = "1";
#[cfg(counter_v2)]
const VERSION: &str = "2";

fn version(_payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(VERSION.as_bytes().to_vec())
}

#[cfg(not(counter_example))]
#[no_mangle]
pub extern "C" fn kelpie_on_activate() {
    log::info("activated");
    let activations = match read_number(ACTIVATIONS) {
        Ok(n) => n,
        Err(_) => trap(),
    };
    let next = activations.wrapping_add(1).to_string();
    if state::set(ACTIVATIONS, next.as_bytes()).is_err() {
        trap();
    }
}

#[cfg(not(counter_example))]
#[no_mangle]
pub extern "C" fn kelpie_on_deactivate() {
    log::info("deactivated");
}

fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An optional `-` followed by ASCII digits, fitting in i64.
fn parse_i64(bytes: &[u8]) -> Option<i64> {
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// The number stored under `key`; 0 when absent.
fn read_number(key: &str) -> Result<i64, String> {
    match state::get(key)? {
        None => Ok(0),
        Some(value) => {
            parse_i64(&value).ok_or_else(|| format!("bad {} in state: {}", key, text(&value)))
        }
    }
}

fn amount(payload: &[u8]) -> Result<i64, String> {
    if payload.is_empty() {
        Ok(1)
    } else {
        parse_i64(payload).ok_or_else(|| format!("bad amount: {}", text(payload)))
    }
}

/// Adds the payload's amount to `count` and stores the result, which it returns.
fn add(payload: &[u8]) -> Result<i64, String> {
    let amount = amount(payload)?;
    let count = read_number(COUNT)?
        .checked_add(amount)
        .ok_or_else(|| "count overflow".to_string())?;
    state::set(COUNT, count.to_string().as_bytes())?;
    Ok(count)
}

fn decimal(n: i64) -> Result<Vec<u8>, String> {
    Ok(n.to_string().into_bytes())
}

fn increment(payload: &[u8]) -> Result<Vec<u8>, String> {
    decimal(add(payload)?)
}

fn get(_payload: &[u8]) -> Result<Vec<u8>, String> {
    decimal(read_number(COUNT)?)
}

fn reset(_payload: &[u8]) -> Result<Vec<u8>, String> {
    state::delete(COUNT)?;
    decimal(0)
}

/// `delay_ms` or `delay_ms amount`: a durable reminder sends `increment` with the amount later.
fn remind(payload: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || format!("bad remind payload: {}", text(payload));
    let mut parts = payload.splitn(2, |b| *b == b' ');
    let delay = parts.next().and_then(parse_i64).filter(|d| *d >= 0).ok_or_else(bad)?;
    let amount = parts.next().unwrap_or(b"");
    if !amount.is_empty() && parse_i64(amount).is_none() {
        return Err(bad());
    }
    reminders::set("remind", "increment", delay as u64, 0, amount)?;
    Ok(b"ok".to_vec())
}

fn add_then_fail(payload: &[u8]) -> Result<Vec<u8>, String> {
    add(payload)?;
    Err("failed after write".to_string())
}

fn add_then_trap(payload: &[u8]) -> Result<Vec<u8>, String> {
    add(payload)?;
    trap()
}

struct Global<T>(UnsafeCell<T>);
// SAFETY: the guest is single-threaded.
unsafe impl<T> Sync for Global<T> {}

/// Never written: `add_then_spin` reads it with a volatile load so the loop stays a loop.
static SPIN_STOP: Global<u32> = Global(UnsafeCell::new(0));

fn add_then_spin(payload: &[u8]) -> Result<Vec<u8>, String> {
    let count = add(payload)?;
    // SAFETY: volatile read of a live static.
    while unsafe { core::ptr::read_volatile(SPIN_STOP.0.get()) } == 0 {}
    decimal(count)
}

fn call(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut parts = payload.splitn(4, |b| *b == b'\n');
    let (actor_type, id, operation, rest) =
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(i), Some(o), Some(r)) => (t, i, o, r),
            _ => return Err("bad call payload".to_string()),
        };
    actors::call(&text(actor_type), &text(id), &text(operation), rest)
        .map_err(|e| format!("call failed: {}", e))
}

fn key(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "key is not UTF-8".to_string())
}

fn keys(payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(state::keys(key(payload)?)?.join("\n").into_bytes())
}

fn put(payload: &[u8]) -> Result<Vec<u8>, String> {
    let newline = payload
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| "bad put payload".to_string())?;
    state::set(key(&payload[..newline])?, &payload[newline + 1..])?;
    Ok(b"ok".to_vec())
}

fn fetch(payload: &[u8]) -> Result<Vec<u8>, String> {
    let key = key(payload)?;
    state::get(key)?.ok_or_else(|| format!("no such key: {}", key))
}

fn remove(payload: &[u8]) -> Result<Vec<u8>, String> {
    let existed = state::delete(key(payload)?)?;
    Ok(if existed { b"true".to_vec() } else { b"false".to_vec() })
}
