// Appends a `producers` custom section to a wasm module, the way toolchains record who built it
// (wabt 1.0.32's wat2wasm drops `(@custom ...)` annotations, so test modules that must look like a
// given toolchain's output get theirs here).
// Usage: node add-producers.mjs <in.wasm> <out.wasm> <field>=<name>[ <version>] ...
//   e.g. node add-producers.mjs a.wasm b.wasm "language=TinyGo" "processed-by=tinygo 0.25.0"
// Values of the same field are grouped in the order given. Used by build.sh for wat/*.wat files that
// carry a `;; @producers field=value;field=value` line.
import { readFileSync, writeFileSync } from "node:fs";

const [input, output, ...entries] = process.argv.slice(2);
if (!input || !output || entries.length === 0) {
  console.error("usage: node add-producers.mjs <in.wasm> <out.wasm> <field>=<name>[ <version>]...");
  process.exit(2);
}

function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s) {
  const bytes = [...Buffer.from(s, "utf8")];
  return [...u32(bytes.length), ...bytes];
}

const fields = new Map();
for (const entry of entries) {
  const eq = entry.indexOf("=");
  if (eq <= 0) {
    console.error(`add-producers: '${entry}' is not <field>=<name>[ <version>]`);
    process.exit(2);
  }
  const field = entry.slice(0, eq).trim();
  const value = entry.slice(eq + 1).trim();
  const space = value.indexOf(" ");
  const pair = space < 0 ? [value, ""] : [value.slice(0, space), value.slice(space + 1)];
  if (!fields.has(field)) fields.set(field, []);
  fields.get(field).push(pair);
}

const body = [...u32(fields.size)];
for (const [field, values] of fields) {
  body.push(...name(field), ...u32(values.length));
  for (const [n, v] of values) body.push(...name(n), ...name(v));
}
const payload = [...name("producers"), ...body];
const section = Buffer.from([0, ...u32(payload.length), ...payload]);
writeFileSync(output, Buffer.concat([readFileSync(input), section]));
