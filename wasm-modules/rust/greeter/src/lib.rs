//! Kelpie's Rust `greeter` actor: calls a host function and another actor, with the semantics of
//! the C greeter (wasm-modules/c/greeter).
//!
//! | operation       | payload                 | result |
//! |-----------------|-------------------------|--------|
//! | `greet`         | a name (empty: `world`) | the answer of host function `kelpie/greeting/hello` for the name (examples/host-greeting) |
//! | `greet_counted` | a name (empty: `world`) | the greeting, then ` Visitor number <n>.`, n from `increment` on actor (`counter`, <name>) |
//! | other           |                         | error `unknown operation: <op>` (from the SDK) |
//!
//! Errors: `greeting failed: <host error>` (for example when no greeting host function is
//! installed), `counter failed: <error>` (the actor call's error). Each greeting is logged at info
//! level. The module needs the host namespaces `greeting` and `actors`.

use kelpie_guest::{actors, console_log, host_call, log, register};

#[no_mangle]
pub extern "C" fn wapc_init() {
    register("greet", greet);
    register("greet_counted", greet_counted);
}

/// The payload as text, or `world` when empty.
fn name_of(payload: &[u8]) -> String {
    if payload.is_empty() {
        "world".to_string()
    } else {
        String::from_utf8_lossy(payload).into_owned()
    }
}

/// The host's greeting for `name`.
fn greeting(name: &str) -> Result<Vec<u8>, String> {
    let text = host_call("kelpie", "greeting", "hello", name.as_bytes())
        .map_err(|e| format!("greeting failed: {}", e))?;
    log::info(&format!("greeted {}", name));
    Ok(text)
}

fn greet(payload: &[u8]) -> Result<Vec<u8>, String> {
    greeting(&name_of(payload))
}

fn greet_counted(payload: &[u8]) -> Result<Vec<u8>, String> {
    let name = name_of(payload);
    let mut answer = greeting(&name)?;
    let count = actors::call("counter", &name, "increment", b"")
        .map_err(|e| format!("counter failed: {}", e))?;
    let count = String::from_utf8_lossy(&count);
    console_log(&format!("{} is visitor {}", name, count));
    answer.extend_from_slice(format!(" Visitor number {}.", count).as_bytes());
    Ok(answer)
}
