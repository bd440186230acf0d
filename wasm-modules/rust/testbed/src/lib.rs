//! Kelpie Rust test guest. Implements the testbed operations contract shared with the
//! AssemblyScript testbed (wasm-modules/assemblyscript/testbed/index.ts); the Java tests depend
//! on it byte-for-byte:
//!
//! | operation   | payload                                   | result |
//! |-------------|-------------------------------------------|--------|
//! | `echo`      | any bytes                                 | the payload unchanged |
//! | `host_call` | `binding\nnamespace\noperation\n` + bytes | host response, or error `host call failed: <host error>`; fewer than three `\n`: error `bad host_call payload` |
//! | `fail`      | any bytes                                 | error `guest failed: <payload as UTF-8>` |
//! | `trap`      | ignored                                   | wasm `unreachable` |
//! | `log`       | any bytes                                 | `__console_log(payload)`, response `logged` |
//! | `alloc`     | decimal N                                 | leaks an N-byte buffer (every 4096th byte written), response decimal N; bad N: error `bad alloc size` |
//! | `spin`      | ignored                                   | loops forever |
//! | `fib`       | decimal n                                 | decimal recursive fib(n) (u64, wrapping); bad n: error `bad fib input` |
//! | other       |                                           | error `unknown operation: <op>` (from the SDK) |
//!
//! Decimal inputs are 1 to 10 ASCII digits with a value that fits in u32 (nothing else, no sign,
//! no whitespace).

use kelpie_guest::{console_log_bytes, host_call, register};
use std::cell::UnsafeCell;

#[no_mangle]
pub extern "C" fn wapc_init() {
    register("echo", echo);
    register("host_call", do_host_call);
    register("fail", fail);
    register("trap", trap);
    register("log", log);
    register("alloc", alloc);
    register("spin", spin);
    register("fib", fib);
}

fn echo(payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(payload.to_vec())
}

fn do_host_call(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut parts = payload.splitn(4, |b| *b == b'\n');
    let (binding, namespace, operation, rest) =
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(b), Some(n), Some(o), Some(r)) => (b, n, o, r),
            _ => return Err("bad host_call payload".to_string()),
        };
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    host_call(&text(binding), &text(namespace), &text(operation), rest)
        .map_err(|e| format!("host call failed: {}", e))
}

fn fail(payload: &[u8]) -> Result<Vec<u8>, String> {
    Err(format!("guest failed: {}", String::from_utf8_lossy(payload)))
}

fn trap(_payload: &[u8]) -> Result<Vec<u8>, String> {
    core::arch::wasm32::unreachable()
}

fn log(payload: &[u8]) -> Result<Vec<u8>, String> {
    console_log_bytes(payload);
    Ok(b"logged".to_vec())
}

struct Global<T>(UnsafeCell<T>);
// SAFETY: the guest is single-threaded.
unsafe impl<T> Sync for Global<T> {}

/// Buffers leaked by `alloc`, kept reachable so memory really grows.
static LEAKED: Global<Vec<Vec<u8>>> = Global(UnsafeCell::new(Vec::new()));
/// Never written: `spin` reads it with a volatile load so the loop cannot be optimised away.
static SPIN_STOP: Global<u32> = Global(UnsafeCell::new(0));

fn parse_u32(payload: &[u8]) -> Option<u32> {
    if payload.is_empty() || payload.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in payload {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    u32::try_from(n).ok()
}

fn alloc(payload: &[u8]) -> Result<Vec<u8>, String> {
    let n = parse_u32(payload).ok_or_else(|| "bad alloc size".to_string())? as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(n);
    buf.resize(n, 0);
    let mut i = 0;
    while i < n {
        buf[i] = 1;
        i += 4096;
    }
    // SAFETY: single-threaded; no other reference to LEAKED exists.
    unsafe { (*LEAKED.0.get()).push(buf) };
    Ok(n.to_string().into_bytes())
}

fn spin(_payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut spins: u64 = 0;
    // SAFETY: volatile read of a live static.
    while unsafe { core::ptr::read_volatile(SPIN_STOP.0.get()) } == 0 {
        spins = spins.wrapping_add(1);
    }
    Ok(spins.to_string().into_bytes())
}

fn fib_rec(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib_rec(n - 1).wrapping_add(fib_rec(n - 2))
    }
}

fn fib(payload: &[u8]) -> Result<Vec<u8>, String> {
    let n = parse_u32(payload).ok_or_else(|| "bad fib input".to_string())?;
    Ok(fib_rec(n).to_string().into_bytes())
}
