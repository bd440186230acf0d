// Kelpie's AssemblyScript `echo` actor: the smallest AssemblyScript actor. Operation `echo`
// answers its payload unchanged; any other operation is error `unknown operation: <op>` (SDK).

import { register, Result } from "../sdk/kelpie";
export { __guest_call } from "../sdk/kelpie";

register("echo", (payload: ArrayBuffer): Result => Result.ok(payload));
