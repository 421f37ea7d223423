import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

// A worker process that runs a script and then dies without cleaning up: a plain `node`
// cannot import the TypeScript source, so it is bundled into a temp .mjs first.
const DRIVER_SOURCE = `import { runScript } from ${JSON.stringify(fileURLToPath(new URL("../../../src/runner/run-script.ts", import.meta.url)))};
await runScript({
  code: process.argv[2] ?? "",
  cwd: process.cwd(),
  env: { PATH: process.env.PATH ?? "" },
  timeoutMs: 60_000,
  onLine: (line) => process.stdout.write(line.text + "\\n"),
});
`;
// How long the script's group may outlive its SIGKILLed worker.
const GONE_WITHIN_MS = 2000;

let dir: string;
let driver: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chorebot-lifeline-test-"));
  driver = join(dir, "driver.mjs");
  await build({
    stdin: { contents: DRIVER_SOURCE, loader: "ts", resolveDir: dir, sourcefile: "driver.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: driver,
    logLevel: "silent",
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A `sleep` whose argument no other process on this machine has, so `ps` can find it. */
function uniqueSleep(): string {
  return `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

/**
 * Whether the process is alive or the `sleep` is running. A killed process stays a zombie
 * until init reaps it, which can take a while and is no business of ours: zombies count as gone.
 */
function alive(pid: number, sleepArgument: string): { script: boolean; sleep: boolean } {
  const rows = execFileSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" }).split("\n");
  const live = rows.map((row) => row.trim().split(/\s+/)).filter(([, stat]) => stat !== undefined && !stat.startsWith("Z"));
  return {
    script: live.some(([p]) => Number(p) === pid),
    sleep: live.some(([, , ...args]) => args.join(" ") === `sleep ${sleepArgument}`),
  };
}

/** Polls (death of another process group has no event) until `done`, or gives up at the deadline. */
async function waitFor(done: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if (done()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts the driver and resolves with the script's pid once the script has printed `ready <pid>`. */
async function startDriver(code: string): Promise<{ worker: ChildProcess; scriptPid: number; stderr: () => string }> {
  const worker = spawn(process.execPath, [driver, code], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  worker.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(worker, "exit").then(() => {
    throw new Error(`driver exited before the script was ready: ${stderr}`);
  });
  const ready = (async () => {
    for await (const line of createInterface({ input: worker.stdout! })) {
      const match = /^ready (\d+)$/.exec(line);
      if (match) return Number(match[1]);
    }
    throw new Error(`driver closed its output before the script was ready: ${stderr}`);
  })();
  const scriptPid = await Promise.race([ready, exited]);
  return { worker, scriptPid, stderr: () => stderr };
}

describe("the script's lifeline to its worker", () => {
  test.each([
    {
      name: "an idle script",
      script: (marker: string) => [
        'import { spawn } from "node:child_process";',
        `const sleep = spawn("sleep", ["${marker}"], { stdio: "ignore" });`,
        'sleep.on("spawn", () => console.log("ready " + process.pid));',
        "setInterval(() => {}, 1000);",
      ],
    },
    {
      // The main thread never gets back to its event loop.
      name: "a script blocked in execSync",
      script: (marker: string) => [
        'import { execSync } from "node:child_process";',
        'console.log("ready " + process.pid);',
        `execSync("sleep ${marker}");`,
      ],
    },
  ])("when the worker is SIGKILLed, $name and what it spawned die at once", async ({ script }) => {
    const marker = uniqueSleep();
    const { worker, scriptPid } = await startDriver(script(marker).join("\n"));
    try {
      expect(await waitFor(() => alive(scriptPid, marker).sleep, GONE_WITHIN_MS)).toBe(true);
      expect(alive(scriptPid, marker).script).toBe(true);

      const workerExit = once(worker, "exit");
      const killedAt = performance.now();
      worker.kill("SIGKILL");
      expect(await workerExit).toEqual([null, "SIGKILL"]);
      const gone = await waitFor(() => {
        const { script: s, sleep } = alive(scriptPid, marker);
        return !s && !sleep;
      }, GONE_WITHIN_MS);
      const elapsedMs = performance.now() - killedAt;
      expect(gone, `still running ${Math.round(elapsedMs)} ms after the worker died`).toBe(true);
      expect(elapsedMs).toBeLessThan(GONE_WITHIN_MS);
    } finally {
      worker.kill("SIGKILL");
      try {
        process.kill(-scriptPid, "SIGKILL");
      } catch {
        // Gone, as it should be.
      }
    }
  });

  test("what the script spawns runs normally and does not inherit the lifeline", async () => {
    // fd 3 alone proves nothing in a node grandchild, which opens its own fd 3 at startup:
    // compare every descriptor it has with the script's lifeline instead.
    const grandchild = [
      'const fs = require("node:fs");',
      "const [dev, ino] = process.argv.slice(1).map(Number);",
      "const held = [];",
      "for (let fd = 0; fd < 1024; fd++) {",
      "  try { const s = fs.fstatSync(fd); if (s.dev === dev && s.ino === ino) held.push(fd); } catch {}",
      "}",
      'console.log("grandchild holds the lifeline at " + JSON.stringify(held));',
    ].join("\n");
    const result = await runScript({
      code: [
        'import { spawn } from "node:child_process";',
        'import { fstatSync } from "node:fs";',
        "const lifeline = fstatSync(3);",
        'console.log("lifeline is a socket: " + lifeline.isSocket());',
        `const child = spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}, String(lifeline.dev), String(lifeline.ino)], { stdio: "inherit" });`,
        'const [code] = await new Promise((resolve) => child.on("exit", (...args) => resolve(args)));',
        'console.log("grandchild exited with " + code);',
      ].join("\n"),
      cwd: tmpdir(),
      env: buildScriptEnv(process.env, []),
      timeoutMs: 10_000,
    });
    expect(stdout(result)).toEqual([
      "lifeline is a socket: true",
      "grandchild holds the lifeline at []",
      "grandchild exited with 0",
    ]);
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null });
  });

  test("an immediate exit keeps its exit code, and a normal run is not slowed down", async () => {
    const run = (code: string) =>
      runScript({ code, cwd: tmpdir(), env: buildScriptEnv(process.env, []), timeoutMs: 10_000 });
    // Exits while the lifeline thread may still be starting.
    expect(await run("process.exit(7);")).toMatchObject({ status: "failed", exitCode: 7, signal: null });
    const result = await run('console.log("done");');
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null });
    expect(stdout(result)).toEqual(["done"]);
    expect(result.durationMs).toBeLessThan(1500);
  });
});

function stdout(result: ExecutionResult): string[] {
  return result.output.lines.filter((l) => l.stream === "stdout").map((l) => l.text);
}
