// Removes named exports from a wasm module, leaving every other byte as it was.
// Usage: node strip-exports.mjs <in.wasm> <out.wasm> <name>...
// Used by build.sh: rustc 1.63 always passes --export=__heap_base --export=__data_end to the
// wasm linker, and a Kelpie guest's export list should be just memory + the waPC entry points.
import { readFileSync, writeFileSync } from "node:fs";

const [input, output, ...names] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node strip-exports.mjs <in.wasm> <out.wasm> <name>...");
  process.exit(2);
}
const drop = new Set(names);
const bytes = readFileSync(input);

function readU32(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return [result >>> 0, pos];
}

function u32(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return Buffer.from(out);
}

if (bytes.readUInt32LE(0) !== 0x6d736100 || bytes.readUInt32LE(4) !== 1) {
  console.error(`${input}: not a wasm module`);
  process.exit(1);
}
const parts = [bytes.subarray(0, 8)];
const removed = new Set();
let pos = 8;
while (pos < bytes.length) {
  const start = pos;
  const id = bytes[pos++];
  let size;
  [size, pos] = readU32(bytes, pos);
  const end = pos + size;
  if (id !== 7) {
    parts.push(bytes.subarray(start, end));
    pos = end;
    continue;
  }
  let count;
  [count, pos] = readU32(bytes, pos);
  const kept = [];
  for (let i = 0; i < count; i++) {
    const entryStart = pos;
    let len;
    [len, pos] = readU32(bytes, pos);
    const name = bytes.subarray(pos, pos + len).toString("utf8");
    pos += len + 1; // name, kind byte
    [, pos] = readU32(bytes, pos); // index
    if (drop.has(name)) removed.add(name);
    else kept.push(bytes.subarray(entryStart, pos));
  }
  if (pos !== end) {
    console.error(`${input}: malformed export section`);
    process.exit(1);
  }
  const body = Buffer.concat([u32(kept.length), ...kept]);
  parts.push(Buffer.from([7]), u32(body.length), body);
  pos = end;
}
for (const name of drop) {
  if (!removed.has(name)) {
    console.error(`${input}: no export named ${name}`);
    process.exit(1);
  }
}
writeFileSync(output, Buffer.concat(parts));
