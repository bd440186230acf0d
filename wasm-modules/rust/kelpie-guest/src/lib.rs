//! Kelpie guest SDK for Rust: the guest side of the waPC protocol.
//!
//! Dependency-free; build it as an rlib for `wasm32-unknown-unknown` with plain `rustc`
//! (see `docs/guest-rust.md`). A guest crate (a `cdylib`) links it, exports
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
/// Only valid while the guest is handling a call (inside a handler).
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
