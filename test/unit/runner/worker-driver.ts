import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Containment } from "../../../src/runner/process-containment.js";

const source = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../../src/runner/${path}`, import.meta.url)));

// A worker process that runs one script, optionally under a claim it renews on a timer as
// BullMQ's lock manager would, and that the tests kill or freeze. A plain `node` cannot
// import the TypeScript source, so it is bundled into a temp .mjs first.
const DRIVER_SOURCE = `import { readFileSync } from "node:fs";
import { withClaim } from ${source("claim.ts")};
import { runScript } from ${source("run-script.ts")};
const o = JSON.parse(readFileSync(process.argv[2], "utf8"));
const run = () => runScript({
  code: o.code,
  cwd: process.cwd(),
  env: o.env,
  timeoutMs: 60_000,
  containment: o.containment,
  onLine: (line) => process.stdout.write(line.text + "\\n"),
});
if (o.claim) {
  let until = performance.now() + o.claim.windowMs;
  const listeners = new Set();
  setInterval(() => {
    until = performance.now() + o.claim.windowMs;
    for (const listener of listeners) listener();
  }, o.claim.everyMs);
  await withClaim({ deadline: () => until, onChange: (l) => (listeners.add(l), () => listeners.delete(l)) }, run);
} else {
  await run();
}
process.exit(0);
`;

export interface DriverOptions {
  code: string;
  env: Record<string, string>;
  containment: Containment;
  /** Renew the claim every `everyMs`, each time to `windowMs` from now. */
  claim?: { windowMs: number; everyMs: number };
}

export interface Drivers {
  /** Starts a driver and resolves once its script printed `ready`. */
  start(options: DriverOptions): Promise<ChildProcess>;
  close(): Promise<void>;
}

export async function buildDrivers(): Promise<Drivers> {
  const dir = await mkdtemp(join(tmpdir(), "chorebot-driver-test-"));
  const driver = join(dir, "driver.mjs");
  await build({
    stdin: { contents: DRIVER_SOURCE, loader: "ts", resolveDir: dir, sourcefile: "driver.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: driver,
    logLevel: "silent",
  });
  let count = 0;
  return {
    async start(options) {
      // In a file, not on the command line: tests find the script's processes by what its
      // code and environment contain, and the driver must not be one of them.
      const file = join(dir, `options-${count++}.json`);
      await writeFile(file, JSON.stringify(options));
      const worker = spawn(process.execPath, [driver, file], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      worker.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = once(worker, "exit").then(() => {
        throw new Error(`driver exited before the script was ready: ${stderr}`);
      });
      const ready = (async () => {
        for await (const line of createInterface({ input: worker.stdout })) if (line === "ready") return;
        throw new Error(`driver closed its output before the script was ready: ${stderr}`);
      })();
      await Promise.race([ready, exited]);
      worker.stdout.resume();
      return worker;
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
