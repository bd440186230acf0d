//! Kelpie guest SDK for Rust: the guest side of the waPC protocol.
//!
//! Dependency-free; build it as an rlib for `wasm32-unknown-unknown` with plain `rustc`
//! (see `docs/guests/rust.md`). A guest crate (a `cdylib`) links it, exports
//! `#[no_mangle] pub extern "C" fn wapc_init()` and registers its operations there:
//!
//! ```ignore
//! #[no_mangle]
//! pub extern "C" fn wapc_init() {
//!     kelpie_guest::register("echo", |payload| Ok(payload.to_vec()));
//! }
//! ```
//!
//! The host calls `wapc_init` once after instantiation, then `__guest_call` for every invocation.
//! The SDK exports `__guest_call` and dispatches it to the registered handler.
//!
//! Kelpie's built-in host functions (binding [`BINDING`]) have typed wrappers: [`state`] (the
//! actor's transactional key-value state), [`log`], [`clock`], [`random`] and [`actors`]
//! (calling another actor). An actor may also export the lifecycle hooks
//! `#[no_mangle] pub extern "C" fn kelpie_on_activate()` and `kelpie_on_deactivate()`; the
//! runtime calls them when the actor is activated (after `wapc_init`, before the first message)
//! and before it is passivated. Host calls work inside them; a trap (panic) in
//! `kelpie_on_activate` fails the activation.
//!
//! wasm guests are single-threaded, and the host never re-enters `__guest_call` while it runs,
//! so the global handler table needs no locking.

#![deny(unsafe_op_in_unsafe_fn)]

use std::cell::UnsafeCell;

/// An operation handler: takes the request payload, returns the response bytes or an error
/// message (handed to the host with `__guest_error`).
pub type Handler = fn(&[u8]) -> Result<Vec<u8>, String>;

#[link(wasm_import_module = "wapc")]
extern "C" {
    fn __guest_request(op_ptr: *mut u8, ptr: *mut u8);
    fn __guest_response(ptr: *const u8, len: usize);
    fn __guest_error(ptr: *const u8, len: usize);
    fn __host_call(
        bd_ptr: *const u8,
        bd_len: usize,
        ns_ptr: *const u8,
        ns_len: usize,
        op_ptr: *const u8,
        op_len: usize,
        ptr: *const u8,
        len: usize,
    ) -> i32;
    fn __host_response_len() -> usize;
    fn __host_response(ptr: *mut u8);
    fn __host_error_len() -> usize;
    fn __host_error(ptr: *mut u8);
    fn __console_log(ptr: *const u8, len: usize);
}

struct Registry(UnsafeCell<Vec<(String, Handler)>>);

// SAFETY: wasm32-unknown-unknown guests run on one thread; see the module docs.
unsafe impl Sync for Registry {}

static HANDLERS: Registry = Registry(UnsafeCell::new(Vec::new()));

fn handlers() -> &'static mut Vec<(String, Handler)> {
    // SAFETY: single-threaded, and no reference outlives one SDK call (register / dispatch);
    // handlers cannot reach the table except through `register`, which never runs while
    // `find` holds a borrow (the handler is copied out before it is called).
    unsafe { &mut *HANDLERS.0.get() }
}

/// Registers (or replaces) the handler for `operation`. Call it from `wapc_init`.
pub fn register(operation: &str, handler: Handler) {
    let table = handlers();
    if let Some(entry) = table.iter_mut().find(|(name, _)| name == operation) {
        entry.1 = handler;
    } else {
        table.push((operation.to_string(), handler));
    }
}

fn find(operation: &[u8]) -> Option<Handler> {
    handlers()
        .iter()
        .find(|(name, _)| name.as_bytes() == operation)
        .map(|(_, handler)| *handler)
}

/// Calls the host: `binding`, `namespace`, `operation` select the host function, `payload` is
/// its input. Returns the host's response bytes, or its error text (lossily decoded as UTF-8).
/// Only valid while the host is calling the guest: inside a handler or a lifecycle hook
/// (`kelpie_on_activate` / `kelpie_on_deactivate`), not in `wapc_init`.
pub fn host_call(
    binding: &str,
    namespace: &str,
    operation: &str,
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    // SAFETY: every pointer/length pair describes a live slice; the host only reads them.
    let ok = unsafe {
        __host_call(
            binding.as_ptr(),
            binding.len(),
            namespace.as_ptr(),
            namespace.len(),
            operation.as_ptr(),
            operation.len(),
            payload.as_ptr(),
            payload.len(),
        )
    };
    if ok == 1 {
        // SAFETY: the host writes exactly __host_response_len() bytes at the pointer.
        let len = unsafe { __host_response_len() };
        let mut buf = vec![0u8; len];
        unsafe { __host_response(buf.as_mut_ptr()) };
        Ok(buf)
    } else {
        // SAFETY: the host writes exactly __host_error_len() bytes at the pointer.
        let len = unsafe { __host_error_len() };
        let mut buf = vec![0u8; len];
        unsafe { __host_error(buf.as_mut_ptr()) };
        Err(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// Writes one log line through the host (`__console_log`).
pub fn console_log(msg: &str) {
    console_log_bytes(msg.as_bytes());
}

/// Like [`console_log`] for raw bytes (the host decodes them as UTF-8).
pub fn console_log_bytes(msg: &[u8]) {
    // SAFETY: pointer/length of a live slice; the host only reads it.
    unsafe { __console_log(msg.as_ptr(), msg.len()) }
}

fn respond(result: Result<Vec<u8>, String>) -> i32 {
    match result {
        Ok(bytes) => {
            // SAFETY: pointer/length of a live slice; the host copies it out during the call.
            unsafe { __guest_response(bytes.as_ptr(), bytes.len()) };
            1
        }
        Err(msg) => {
            // SAFETY: as above.
            unsafe { __guest_error(msg.as_ptr(), msg.len()) };
            0
        }
    }
}

/// The waPC entry point the host calls for every invocation: fetches the operation name and
/// payload with `__guest_request`, runs the registered handler and hands its result back.
/// Returns 1 on success, 0 on a guest error (including `unknown operation: <op>`).
#[no_mangle]
pub extern "C" fn __guest_call(op_len: i32, payload_len: i32) -> i32 {
    let mut op = vec![0u8; op_len.max(0) as usize];
    let mut payload = vec![0u8; payload_len.max(0) as usize];
    // SAFETY: both buffers have exactly the lengths the host announced.
    unsafe { __guest_request(op.as_mut_ptr(), payload.as_mut_ptr()) };
    let result = match find(&op) {
        Some(handler) => handler(&payload),
        None => Err(format!("unknown operation: {}", String::from_utf8_lossy(&op))),
    };
    respond(result)
}

// ---- Kelpie's built-in host functions ----
//
// Every function from here on is `#[inline]`: it is then compiled only into the guests that use
// it, never into the rlib itself, so adding wrappers here leaves other guests' bytes unchanged
// (the committed testbed.wasm is checked byte for byte). Keep it that way.

/// The waPC binding of Kelpie's built-in host functions.
pub const BINDING: &str = "kelpie";

#[inline]
fn malformed(function: &str) -> String {
    format!("malformed response from {}.{}", BINDING, function)
}

/// Parses 1 to 20 ASCII digits (no sign, no whitespace) that fit in a u64.
#[inline]
fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// The actor's own state: a key-value map that belongs to the current actor. Writes made
/// during a call are committed when the call succeeds and dropped when it fails, traps or
/// times out. Keys are 1 to 1024 bytes of UTF-8 without NUL or newline; the host rejects
/// others (the `Err` then carries its error text).
pub mod state {
    use super::{host_call, malformed, BINDING};

    /// The value stored under `key`, or `None` if there is none.
    #[inline]
    pub fn get(key: &str) -> Result<Option<Vec<u8>>, String> {
        let mut response = host_call(BINDING, "state", "get", key.as_bytes())?;
        match response.first() {
            Some(1) => {
                response.remove(0);
                Ok(Some(response))
            }
            Some(0) if response.len() == 1 => Ok(None),
            _ => Err(malformed("state.get")),
        }
    }

    /// Stores `value` under `key`, replacing any previous value.
    #[inline]
    pub fn set(key: &str, value: &[u8]) -> Result<(), String> {
        let mut payload = Vec::with_capacity(4 + key.len() + value.len());
        payload.extend_from_slice(&(key.len() as u32).to_le_bytes());
        payload.extend_from_slice(key.as_bytes());
        payload.extend_from_slice(value);
        host_call(BINDING, "state", "set", &payload).map(|_| ())
    }

    /// Removes `key`; `true` if it existed.
    #[inline]
    pub fn delete(key: &str) -> Result<bool, String> {
        match host_call(BINDING, "state", "delete", key.as_bytes())?.as_slice() {
            [1] => Ok(true),
            [0] => Ok(false),
            _ => Err(malformed("state.delete")),
        }
    }

    /// The keys starting with `prefix` (every key for `""`), in the host's order.
    #[inline]
    pub fn keys(prefix: &str) -> Result<Vec<String>, String> {
        let response = host_call(BINDING, "state", "keys", prefix.as_bytes())?;
        if response.is_empty() {
            return Ok(Vec::new());
        }
        response
            .split(|b| *b == b'\n')
            .map(|key| String::from_utf8(key.to_vec()).map_err(|_| malformed("state.keys")))
            .collect()
    }
}

/// Logging through the host's logger, tagged with the actor. A failing log call is ignored.
pub mod log {
    use super::{host_call, BINDING};

    #[inline]
    fn write(level: &str, message: &str) {
        let _ = host_call(BINDING, "log", level, message.as_bytes());
    }

    /// Logs `message` at debug level.
    #[inline]
    pub fn debug(message: &str) {
        write("debug", message)
    }

    /// Logs `message` at info level.
    #[inline]
    pub fn info(message: &str) {
        write("info", message)
    }

    /// Logs `message` at warn level.
    #[inline]
    pub fn warn(message: &str) {
        write("warn", message)
    }

    /// Logs `message` at error level.
    #[inline]
    pub fn error(message: &str) {
        write("error", message)
    }
}

/// The host's clocks.
pub mod clock {
    use super::{host_call, malformed, parse_u64, BINDING};

    #[inline]
    fn read(operation: &str) -> Result<u64, String> {
        let response = host_call(BINDING, "clock", operation, b"")?;
        parse_u64(&response).ok_or_else(|| malformed(&format!("clock.{}", operation)))
    }

    /// Wall-clock time: milliseconds since the Unix epoch.
    #[inline]
    pub fn now_millis() -> Result<u64, String> {
        read("now_millis")
    }

    /// A monotonic clock in nanoseconds (only differences are meaningful).
    #[inline]
    pub fn monotonic_nanos() -> Result<u64, String> {
        read("monotonic_nanos")
    }
}

/// Randomness from the host.
pub mod random {
    use super::{host_call, malformed, BINDING};

    /// `n` random bytes; the host accepts 1 to 65536.
    #[inline]
    pub fn bytes(n: usize) -> Result<Vec<u8>, String> {
        let response = host_call(BINDING, "random", "bytes", n.to_string().as_bytes())?;
        if response.len() == n {
            Ok(response)
        } else {
            Err(malformed("random.bytes"))
        }
    }

    /// A random u64.
    #[inline]
    pub fn u64() -> Result<u64, String> {
        let response = host_call(BINDING, "random", "u64", b"")?;
        let bytes: [u8; 8] =
            response.as_slice().try_into().map_err(|_| malformed("random.u64"))?;
        Ok(u64::from_le_bytes(bytes))
    }
}

/// Calling other actors.
pub mod actors {
    use super::{host_call, BINDING};

    /// Invokes `operation` on the actor (`actor_type`, `id`) with `payload` and returns its
    /// response, or `Err` with the error text (the target's guest error, or why the call could
    /// not be made). `actor_type`, `id` and `operation` must not contain a newline.
    #[inline]
    pub fn call(
        actor_type: &str,
        id: &str,
        operation: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        if [actor_type, id, operation].iter().any(|part| part.contains('\n')) {
            return Err("actor type, id and operation must not contain a newline".to_string());
        }
        let mut request =
            Vec::with_capacity(actor_type.len() + id.len() + operation.len() + 3 + payload.len());
        for part in [actor_type, id, operation] {
            request.extend_from_slice(part.as_bytes());
            request.push(b'\n');
        }
        request.extend_from_slice(payload);
        host_call(BINDING, "actors", "call", &request)
    }
}

/// The request of `timers.set` and `reminders.set`: `name\noperation\ndelay_ms\nperiod_ms\n` then the payload.
fn schedule_request(
    name: &str,
    operation: &str,
    delay_ms: u64,
    period_ms: u64,
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    if name.contains('\n') || operation.contains('\n') {
        return Err("name and operation must not contain a newline".to_string());
    }
    let mut request = Vec::with_capacity(name.len() + operation.len() + 44 + payload.len());
    request.extend_from_slice(name.as_bytes());
    request.push(b'\n');
    request.extend_from_slice(operation.as_bytes());
    request.push(b'\n');
    request.extend_from_slice(delay_ms.to_string().as_bytes());
    request.push(b'\n');
    request.extend_from_slice(period_ms.to_string().as_bytes());
    request.push(b'\n');
    request.extend_from_slice(payload);
    Ok(request)
}

/// `[1]` is true, `[0]` false, anything else a malformed response.
fn flag(response: &[u8], function: &str) -> Result<bool, String> {
    match response {
        [1] => Ok(true),
        [0] => Ok(false),
        _ => Err(malformed(function)),
    }
}

/// Timers of this actor while it is active: each sends the actor `operation` with `payload` after
/// `delay_ms`, then every `period_ms` (0: once). Passivation ends them. Needs the host namespace
/// `timers` to be declared by the deployment.
pub mod timers {
    use super::{flag, host_call, schedule_request, BINDING};

    /// Sets (or replaces) the timer `name` (1 to 128 of `A-Z a-z 0-9 . _ -`).
    #[inline]
    pub fn set(
        name: &str,
        operation: &str,
        delay_ms: u64,
        period_ms: u64,
        payload: &[u8],
    ) -> Result<(), String> {
        let request = schedule_request(name, operation, delay_ms, period_ms, payload)?;
        host_call(BINDING, "timers", "set", &request).map(|_| ())
    }

    /// Cancels the timer `name`; `true` if there was one.
    #[inline]
    pub fn cancel(name: &str) -> Result<bool, String> {
        flag(&host_call(BINDING, "timers", "cancel", name.as_bytes())?, "timers.cancel")
    }
}

/// Durable reminders of this actor: stored by the host, each sends the actor `operation` with
/// `payload` when due (activating it, after restarts too), at least once, then every `period_ms`
/// (0: once). Needs the host namespace `reminders` to be declared by the deployment.
pub mod reminders {
    use super::{flag, host_call, malformed, schedule_request, BINDING};

    /// Sets (or replaces) the reminder `name` (1 to 128 of `A-Z a-z 0-9 . _ -`) and stores it.
    #[inline]
    pub fn set(
        name: &str,
        operation: &str,
        delay_ms: u64,
        period_ms: u64,
        payload: &[u8],
    ) -> Result<(), String> {
        let request = schedule_request(name, operation, delay_ms, period_ms, payload)?;
        host_call(BINDING, "reminders", "set", &request).map(|_| ())
    }

    /// Cancels the reminder `name`; `true` if there was one.
    #[inline]
    pub fn cancel(name: &str) -> Result<bool, String> {
        flag(&host_call(BINDING, "reminders", "cancel", name.as_bytes())?, "reminders.cancel")
    }

    /// The names of this actor's reminders, sorted.
    #[inline]
    pub fn list() -> Result<Vec<String>, String> {
        let response = host_call(BINDING, "reminders", "list", b"")?;
        if response.is_empty() {
            return Ok(Vec::new());
        }
        response
            .split(|b| *b == b'\n')
            .map(|name| String::from_utf8(name.to_vec()).map_err(|_| malformed("reminders.list")))
            .collect()
    }
}
