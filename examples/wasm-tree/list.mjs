#!/usr/bin/env node
// Lists an HDF5 file's tree with the h5oxide-wasm-tree module, the way a web page would:
// fetch (here: read) the file's bytes, copy them into the module's memory, call it, decode
// the JSON it returns.
//
//   cargo build --release -p h5oxide-wasm-tree --target wasm32-unknown-unknown
//   node examples/wasm-tree/list.mjs target/wasm32-unknown-unknown/release/h5oxide_wasm_tree.wasm file.h5 [--json]
//
// Exit status: 0 on success, 1 if the module reports an error, 2 on bad usage.
import { readFile } from "node:fs/promises";
import { argv, exit, stdout } from "node:process";

const [wasmPath, h5Path, flag] = argv.slice(2);
if (!wasmPath || !h5Path) {
  console.error("usage: list.mjs <h5oxide_wasm_tree.wasm> <file.h5> [--json]");
  exit(2);
}

// The module needs no imports: no WASI, no JavaScript glue.
const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {});
const wasm = instance.exports;

/** Runs the module on `bytes`; returns { ok, text }. */
function tree(bytes) {
  const ptr = wasm.h5ox_input(bytes.length) >>> 0;
  if (ptr === 0) throw new Error(`cannot allocate ${bytes.length} bytes in the module`);
  // Views are made after each call: a call may grow the memory and detach older views.
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  const status = wasm.h5ox_tree();
  const out = new Uint8Array(
    wasm.memory.buffer,
    wasm.h5ox_output_ptr() >>> 0,
    wasm.h5ox_output_len() >>> 0,
  );
  const text = new TextDecoder("utf-8", { fatal: true }).decode(out);
  wasm.h5ox_output_free();
  return { ok: status === 0, text };
}

const { ok, text } = tree(await readFile(h5Path));
if (!ok) {
  console.error(`error: ${text}`);
  exit(1);
}
if (flag === "--json") {
  stdout.write(text);
  exit(0);
}

function describe(e) {
  switch (e.kind) {
    case "dataset": {
      const shape = e.shape.length === 1 ? `(${e.shape[0]},)` : `(${e.shape.join(", ")})`;
      let s = `dataset ${shape} ${e.dtype}`;
      if (e.chunks) s += ` chunks (${e.chunks.join(", ")})`;
      if (e.filters.length) s += ` [${e.filters.join(", ")}]`;
      return s;
    }
    case "datatype":
      return `datatype ${e.dtype ?? ""}`;
    case "soft link":
      return `soft link -> ${e.target}`;
    case "external link":
      return `external link -> ${e.file}:${e.target}`;
    default:
      return e.error ? `${e.kind}: ${e.error}` : e.kind;
  }
}

const entries = JSON.parse(text);
const width = Math.max(...entries.map((e) => e.path.length)) + 2;
for (const e of entries) console.log(e.path.padEnd(width) + describe(e));
