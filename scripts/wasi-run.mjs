#!/usr/bin/env node
// Runs a wasm32-wasip1 program (a test binary built by cargo) under Node's WASI.
//
//   CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings scripts/wasi-run.mjs" \
//     cargo test --target wasm32-wasip1 ...
//
// Cargo calls the runner as `runner <program.wasm> <args...>`. The workspace root (the parent
// of this script's folder) is preopened at its own absolute path, so paths built from
// `env!("CARGO_MANIFEST_DIR")` resolve inside the sandbox; the current folder is preopened as
// `.` too. Nothing else of the host file system is visible. H5OXIDE_WASI_DIRS (colon separated
// absolute folders) preopens more.
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";
import { argv, env, exit, cwd } from "node:process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [program, ...args] = argv.slice(2);
if (!program) {
  console.error("usage: wasi-run.mjs <program.wasm> [args...]");
  exit(2);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const preopens = { [root]: root, ".": cwd() };
for (const dir of (env.H5OXIDE_WASI_DIRS ?? "").split(":").filter(Boolean)) {
  preopens[resolve(dir)] = resolve(dir);
}

// Only the variables a test binary looks at are passed in: RUST_* (backtraces, test threads)
// and H5OXIDE_*.
const guestEnv = Object.fromEntries(
  Object.entries(env).filter(([k]) => k.startsWith("RUST_") || k.startsWith("H5OXIDE_")),
);

const wasi = new WASI({
  version: "preview1",
  args: [program, ...args],
  env: guestEnv,
  preopens,
  returnOnExit: true,
});

const module = await WebAssembly.compile(await readFile(program));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance) ?? 0);
