//! Kelpie's Rust `echo` actor: the smallest Rust actor. Operation `echo` answers its payload
//! unchanged; any other operation is error `unknown operation: <op>` (from the SDK).

use kelpie_guest::register;

#[no_mangle]
pub extern "C" fn wapc_init() {
    register("echo", echo);
}

fn echo(payload: &[u8]) -> Result<Vec<u8>, String> {
    Ok(payload.to_vec())
}
