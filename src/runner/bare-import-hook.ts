import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The script's lifeline: the runner spawns it with one end of a socket pair as this fd and
 * keeps the other end open, never writing to it, until the script has exited. The kernel
 * closes the runner's end when the runner's process dies, however it dies (SIGKILL, crash);
 * the script then reads end-of-file and kills its own process group.
 */
export const LIFELINE_FD = 3;

// Runs in a worker thread of the script (CommonJS, evaluated), so it reacts even while the
// script's main thread is blocked: execSync, a long synchronous loop, Atomics.wait.
// The script was spawned detached, so it leads its process group; the fallback only matters
// if it does not.
const LIFELINE_SOURCE = `"use strict";
const { Socket } = require("node:net");
const stop = () => {
  try {
    process.kill(-process.pid, "SIGKILL");
  } catch {}
  process.kill(process.pid, "SIGKILL");
};
try {
  const lifeline = new Socket({ fd: ${LIFELINE_FD}, readable: true, writable: false });
  lifeline.on("data", () => {});
  lifeline.on("end", stop);
  lifeline.on("close", stop);
  lifeline.on("error", stop);
} catch {
  stop();
}
`;

// Loaded with \`node --import\`: starts the lifeline, then registers the resolve hook before
// the bundle is imported. The working directory is the child's own, so it is the \`cwd\` the
// runner spawned it in.
// The lifeline thread is unref'd, so it never keeps the script alive, and is gone with the
// process on a normal exit. execArgv: [] keeps it from loading this module again.
// Node marks inherited descriptors 0-15 close-on-exec at startup (uv_disable_stdio_inheritance),
// so what the script spawns does not inherit the lifeline unless it asks for fd 3 explicitly.
const REGISTER_SOURCE = `import { register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, isMainThread } from "node:worker_threads";
if (isMainThread) {
  const stop = (error) => {
    process.stderr.write("chorebot: could not watch the connection to the runner, stopping: " + (error?.message ?? error) + "\\n");
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {}
    process.kill(process.pid, "SIGKILL");
  };
  const lifeline = new Worker(${JSON.stringify(LIFELINE_SOURCE)}, { eval: true, execArgv: [], stdin: false });
  lifeline.on("error", stop);
  lifeline.unref();
}
register("./resolve-hook.mjs", import.meta.url, {
  data: {
    base: pathToFileURL(join(process.cwd(), "/")).href,
    bundle: new URL("./script.mjs", import.meta.url).href,
  },
});
`;

// Only the bundle's own bare imports are redirected: a package importing its dependencies
// must keep resolving from its own location (nested node_modules).
const RESOLVE_HOOK_SOURCE = `let base;
let bundle;
export function initialize(data) {
  base = data.base;
  bundle = data.bundle;
}
export function resolve(specifier, context, nextResolve) {
  const bare = !/^(\\.{0,2}\\/|\\.{1,2}$|#|[a-zA-Z][a-zA-Z\\d+.-]*:)/.test(specifier);
  if (bare && context.parentURL === bundle) return nextResolve(specifier, { ...context, parentURL: base });
  return nextResolve(specifier, context);
}
`;

/**
 * Writes the module to pass to `node --import` next to `dir/script.mjs`. It ties the script
 * to the runner's process through the lifeline on fd 3 (see {@link LIFELINE_FD}), and
 * registers an ESM resolve hook that resolves the bundle's bare imports
 * (`import pg from "pg"`) as if imported from the working directory, although the bundle
 * lives in a temp dir. Returns the URL to pass to `node --import`.
 * The sources are strings, not files of this package, so this works from src and from dist.
 */
export async function writeBareImportHook(dir: string): Promise<string> {
  const register = join(dir, "register-hooks.mjs");
  await Promise.all([
    writeFile(register, REGISTER_SOURCE),
    writeFile(join(dir, "resolve-hook.mjs"), RESOLVE_HOOK_SOURCE),
  ]);
  return pathToFileURL(register).href;
}
