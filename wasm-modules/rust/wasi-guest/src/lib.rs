//! A Rust guest on `wasm32-wasi`: the Kelpie SDK (rust/kelpie-guest) plus what Rust's standard
//! library does through WASI preview 1, for the tests of the WASI adapter (bundles/guest-wasi).
//!
//! | operation | payload              | result                                                        |
//! |-----------|----------------------|---------------------------------------------------------------|
//! | `hello`   | a name               | `println!("hello, <name>")`, `eprintln!("to stderr")`; `ok`     |
//! | `now`     | ignored              | `SystemTime::now()` in milliseconds since the Unix epoch       |
//! | `sleep`   | decimal milliseconds | `std::thread::sleep`; the milliseconds `Instant` saw pass      |
//! | `exit`    | decimal code         | `std::process::exit(code)`                                     |
//! | `env`     | ignored              | `args=<n> vars=<n>`                                            |

use kelpie_guest::register;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[no_mangle]
pub extern "C" fn wapc_init() {
    register("hello", hello);
    register("now", now);
    register("sleep", sleep);
    register("exit", exit);
    register("env", env);
}

fn number(payload: &[u8]) -> Result<u64, String> {
    std::str::from_utf8(payload)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad number: {}", String::from_utf8_lossy(payload)))
}

fn hello(payload: &[u8]) -> Result<Vec<u8>, String> {
    println!("hello, {}", String::from_utf8_lossy(payload));
    eprintln!("to stderr");
    Ok(b"ok".to_vec())
}

fn now(_payload: &[u8]) -> Result<Vec<u8>, String> {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    Ok(millis.to_string().into_bytes())
}

fn sleep(payload: &[u8]) -> Result<Vec<u8>, String> {
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(number(payload)?));
    Ok(start.elapsed().as_millis().to_string().into_bytes())
}

fn exit(payload: &[u8]) -> Result<Vec<u8>, String> {
    std::process::exit(number(payload)? as i32)
}

fn env(_payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(format!("args={} vars={}", std::env::args().count(), std::env::vars().count()).into_bytes())
}
