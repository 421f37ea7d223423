import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ReportMessage } from "../../../src/sdk/protocol.js";

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const RUNTIME = fileURLToPath(new URL("../../../src/sdk/runtime.ts", import.meta.url));

const SCRIPT = `
import { fork } from "node:child_process";
import { Worker } from "node:worker_threads";
import { bool, defineScript, file, int, string } from "chorebot";

export default defineScript({
  description: "SDK test script",
  inputs: {
    mode: string({ choices: ["ok", "throw", "fail", "wait", "flood"], default: "ok" }),
    limit: int({ default: 3, min: 1 }),
    dryRun: bool({ default: true }),
    token: string({ secret: true, optional: true }),
    worker: file({ optional: true }),
    child: file({ optional: true }),
  },
  timeout: "1m",
  async run({ inputs, log, counter, progress, fail, signal }) {
    log("limit", inputs.limit, "dryRun", inputs.dryRun);
    for (let i = 0; i < inputs.limit; i++) counter.inc("sent");
    progress({ done: inputs.limit, total: inputs.limit });
    if (inputs.mode === "throw") throw new Error("boom");
    if (inputs.mode === "fail") fail("nothing to do");
    if (inputs.mode === "flood") for (let i = 0; i < 1_000_000; i++) log("line", i);
    if (inputs.mode === "wait") {
      log("waiting");
      const busy = setInterval(() => {}, 1000); // stands for the script's own work
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      clearInterval(busy);
      log("stopping: " + signal.reason.message);
      return { stopped: true };
    }
    if (inputs.worker) await new Promise((resolve, reject) => new Worker(inputs.worker).on("exit", resolve).on("error", reject));
    if (inputs.child) await new Promise((resolve, reject) => fork(inputs.child).on("exit", resolve).on("error", reject));
    return { sent: inputs.limit, big: inputs.mode === "ok" ? undefined : "x" };
  },
});
`;
const WORKER = `import { counter, log } from "chorebot"; log("from worker"); counter.inc("sent", 10);`;
const CHILD = `import { counter, log } from "chorebot"; log("from child"); counter.inc("sent", 100);`;
const PLAIN = `import { log, progress } from "chorebot"; log("plain"); progress(0.5);`;

let dir: string;
const bundles: Record<string, string> = {};

async function bundle(name: string, source: string, wrap: boolean): Promise<string> {
  writeFileSync(join(dir, `${name}.ts`), source);
  let entry = join(dir, `${name}.ts`);
  if (wrap) {
    entry = join(dir, `${name}-entry.ts`);
    writeFileSync(entry, `import * as m from "./${name}.ts";\nimport { runScriptModule } from ${JSON.stringify(RUNTIME)};\nawait runScriptModule(m);\n`);
  }
  const outfile = join(dir, `${name}.mjs`);
  await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile, alias: { chorebot: SDK }, logLevel: "silent" });
  return outfile;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorebot-sdk-"));
  bundles.script = await bundle("script", SCRIPT, true);
  bundles.worker = await bundle("worker", WORKER, false);
  bundles.child = await bundle("child", CHILD, false);
  bundles.plain = await bundle("plain", PLAIN, true);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  messages: ReportMessage[];
  /** Messages per connection (each process or thread has its own). */
  connections: ReportMessage[][];
}

/** Runs a bundle with a report channel server (unless `channel: false`) and collects everything. */
async function run(
  bundlePath: string,
  env: Record<string, string> = {},
  options: { channel?: boolean; onMessage?: (m: ReportMessage, kill: (s: NodeJS.Signals) => void) => void } = {},
): Promise<Run> {
  const connections: ReportMessage[][] = [];
  const closed: Promise<void>[] = [];
  let server: Server | undefined;
  let kill: (signal: NodeJS.Signals) => void = () => {};
  const socketPath = join(dir, `channel-${Math.random().toString(36).slice(2)}.sock`);
  if (options.channel !== false) {
    server = createServer((socket) => {
      const messages: ReportMessage[] = [];
      connections.push(messages);
      let buffered = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const message = JSON.parse(buffered.slice(0, newline)) as ReportMessage;
          buffered = buffered.slice(newline + 1);
          messages.push(message);
          options.onMessage?.(message, kill);
        }
      });
      closed.push(new Promise((resolve) => socket.on("close", () => resolve())));
    });
    await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
  }
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CHOREBOT_")));
  const child = spawn(process.execPath, [bundlePath], {
    cwd: dir,
    env: { ...baseEnv, ...(server === undefined ? {} : { CHOREBOT_CHANNEL: socketPath }), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  kill = (signal) => child.kill(signal);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  await Promise.all(closed);
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  return { code, stdout, stderr, messages: connections.flat(), connections };
}

const inputs = (values: Record<string, string>) => ({ CHOREBOT_INPUTS: JSON.stringify(values) });

describe("runScriptModule", () => {
  test("reports inputs (secrets masked), logs, counters, progress and the result", async () => {
    const r = await run(bundles.script!, inputs({ limit: "2", token: "hunter2", dryRun: "no", undeclared: "x" }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.connections).toHaveLength(1);
    expect(r.messages).toEqual([
      { type: "inputs", values: { mode: "ok", limit: 2, dryRun: false, token: "[SECRET]", worker: undefined, child: undefined } },
      { type: "log", message: "limit 2 dryRun false" },
      { type: "counter", name: "sent", op: "inc", value: 1 },
      { type: "counter", name: "sent", op: "inc", value: 1 },
      { type: "progress", done: 2, total: 2 },
      { type: "result", value: { sent: 2 } },
    ]);
    expect(JSON.stringify(r.messages)).not.toContain("hunter2");
  });

  test("under chorebot without inputs (no definition was read from its source): a fail message, exit 2, no run", async () => {
    const r = await run(bundles.script!, {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("chorebot did not find this script's definition");
    expect(r.messages).toEqual([{ type: "fail", reason: expect.stringContaining("export default defineScript") }]);
  });

  test("bad inputs: messages on stderr, a fail message, exit 2, no run", async () => {
    const r = await run(bundles.script!, inputs({ limit: "0", dryRun: "maybe" }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('limit: must be an integer ≥ 1, got "0"');
    expect(r.stderr).toContain("dryRun: must be true or false");
    expect(r.messages).toEqual([{ type: "fail", reason: expect.stringContaining('limit: must be an integer ≥ 1, got "0"') }]);
    const notJson = await run(bundles.script!, { CHOREBOT_INPUTS: "{" });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("CHOREBOT_INPUTS is not JSON");
  });

  test("a thrown error: stack on stderr, counters flushed, exit 1", async () => {
    const r = await run(bundles.script!, inputs({ mode: "throw" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: boom\n\s+at /);
    expect(r.messages.map((m) => m.type)).toEqual(["inputs", "log", "counter", "counter", "progress"]);
  });

  test("fail(): a fail message, exit 1, no stack", async () => {
    const r = await run(bundles.script!, inputs({ mode: "fail", limit: "1" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("chorebot: failed: nothing to do\n");
    expect(r.messages.at(-1)).toEqual({ type: "fail", reason: "nothing to do" });
    expect(r.messages.some((m) => m.type === "result")).toBe(false);
  });

  test("SIGTERM aborts the signal; the script stops cleanly and its result is reported", async () => {
    const r = await run(bundles.script!, inputs({ mode: "wait" }), {
      onMessage: (m, kill) => {
        if (m.type === "log" && m.message === "waiting") kill("SIGTERM");
      },
    });
    expect(r.code).toBe(0);
    expect(r.messages.slice(-2)).toEqual([
      { type: "log", message: "stopping: stopped by SIGTERM" },
      { type: "result", value: { stopped: true } },
    ]);
  });

  test("a million log lines are bounded", async () => {
    const r = await run(bundles.script!, inputs({ mode: "flood", limit: "1" }));
    expect(r.code).toBe(0);
    const logs = r.messages.filter((m) => m.type === "log");
    expect(logs).toHaveLength(1002);
    expect(logs.at(-1)).toEqual({ type: "log", message: "[chorebot] 999001 log lines dropped (limit 1000)" });
  });

  test("worker threads and child processes report on the same socket, each on its own connection", async () => {
    const r = await run(bundles.script!, inputs({ limit: "1", worker: "worker.mjs", child: bundles.child! }));
    expect(r.code).toBe(0);
    expect(r.connections).toHaveLength(3);
    expect(r.messages).toContainEqual({ type: "log", message: "from worker" });
    expect(r.messages).toContainEqual({ type: "counter", name: "sent", op: "inc", value: 10 });
    expect(r.messages).toContainEqual({ type: "log", message: "from child" });
    expect(r.messages).toContainEqual({ type: "counter", name: "sent", op: "inc", value: 100 });
    expect(r.messages.at(-1)?.type === "result" || r.connections.some((c) => c.at(-1)?.type === "result")).toBe(true);
  });

  test("a plain top-level script reports too, and the process ends by itself", async () => {
    const r = await run(bundles.plain!);
    expect(r.code).toBe(0);
    expect(r.messages).toEqual([
      { type: "log", message: "plain" },
      { type: "progress", done: 0.5, total: 1 },
    ]);
  });

  test("without CHOREBOT_CHANNEL: readable lines on stdout", async () => {
    const r = await run(bundles.script!, inputs({ limit: "2", token: "hunter2" }), { channel: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '[inputs] {"mode":"ok","limit":2,"dryRun":true,"token":"[SECRET]"}',
        "[log] limit 2 dryRun true",
        "[counter] sent=1",
        "[counter] sent=2",
        "[progress] 2/2 (100%)",
        '[result] {"sent":2}',
        "",
      ].join("\n"),
    );
    const plain = await run(bundles.plain!, {}, { channel: false });
    expect(plain.stdout).toBe("[log] plain\n[progress] 50%\n");
  });

  test("an unreachable channel falls back to stdout with a warning", async () => {
    const r = await run(bundles.plain!, { CHOREBOT_CHANNEL: join(dir, "missing.sock") }, { channel: false });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/report channel .*missing\.sock failed/);
    expect(r.stdout).toBe("[log] plain\n[progress] 50%\n");
  });
});
