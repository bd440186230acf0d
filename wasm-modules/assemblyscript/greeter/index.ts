// Kelpie's AssemblyScript `greeter` actor: calls a host function and another actor, with the
// semantics of the C greeter (wasm-modules/c/greeter):
//
//   greet          a name (empty: `world`) -> the answer of host function `kelpie/greeting/hello`
//                  for the name (examples/host-greeting)
//   greet_counted  a name (empty: `world`) -> the greeting, then ` Visitor number <n>.`, n from
//                  `increment` on actor (`counter`, <name>)
//   other          error `unknown operation: <op>` (from the SDK)
//
// Errors: `greeting failed: <host error>` (for example when no greeting host function is
// installed), `counter failed: <error>` (the actor call's error). Each greeting is logged at info
// level. The module needs the host namespaces `greeting` and `actors`.

import { register, Result, hostCall, actorCall, consoleLog, logInfo, toBytes, toText, concat } from "../sdk/kelpie";
export { __guest_call } from "../sdk/kelpie";

function nameOf(payload: ArrayBuffer): string {
  return payload.byteLength == 0 ? "world" : toText(payload);
}

function greeting(name: string): Result {
  const text = hostCall("kelpie", "greeting", "hello", toBytes(name));
  if (!text.isOk) return Result.err("greeting failed: " + text.error);
  logInfo("greeted " + name);
  return text;
}

function greet(payload: ArrayBuffer): Result {
  return greeting(nameOf(payload));
}

function greetCounted(payload: ArrayBuffer): Result {
  const name = nameOf(payload);
  const text = greeting(name);
  if (!text.isOk) return text;
  const count = actorCall("counter", name, "increment", new ArrayBuffer(0));
  if (!count.isOk) return Result.err("counter failed: " + count.error);
  const visitor = toText(count.data);
  consoleLog(name + " is visitor " + visitor);
  return Result.ok(concat(text.data, toBytes(" Visitor number " + visitor + ".")));
}

register("greet", greet);
register("greet_counted", greetCounted);
