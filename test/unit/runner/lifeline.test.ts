import { once } from "node:events";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { containment, type Containment } from "../../../src/runner/process-containment.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import { killAll, livePids, uniqueToken, waitFor } from "./live-processes.js";
import { buildDrivers, type Drivers } from "./worker-driver.js";

// How long the script's processes may outlive their SIGKILLed worker.
const GONE_WITHIN_MS = 2000;
const MODES: Containment[] = ["pid-namespace", "marker-sweep"];
const unavailable = (mode: Containment) => mode === "pid-namespace" && containment() !== "pid-namespace";

let drivers: Drivers;
beforeAll(async () => {
  drivers = await buildDrivers();
});
afterAll(async () => {
  await drivers.close();
});

describe.each(MODES)("the script's lifeline to its worker (%s)", (mode) => {
  test.skipIf(unavailable(mode)).each([
    {
      name: "an idle script",
      script: [
        'import { spawn } from "node:child_process";',
        'const sleep = spawn("sleep", ["1000"], { stdio: "ignore" });',
        'sleep.on("spawn", () => console.log("ready"));',
        "setInterval(() => {}, 1000);",
      ],
    },
    {
      // The main thread never gets back to its event loop.
      name: "a script blocked in execSync",
      script: ['import { execSync } from "node:child_process";', 'console.log("ready");', 'execSync("sleep 1000");'],
    },
  ])("when the worker is SIGKILLed, $name and what it spawned die at once", async ({ script }) => {
    const token = uniqueToken();
    const worker = await drivers.start({ code: script.join("\n"), env: { PATH: process.env.PATH ?? "", TOKEN: token }, containment: mode });
    try {
      // The script, its sleep and its watcher.
      expect(await waitFor(() => livePids(token).length >= 3, GONE_WITHIN_MS)).toBe(true);
      const workerExit = once(worker, "exit");
      const killedAt = performance.now();
      worker.kill("SIGKILL");
      expect(await workerExit).toEqual([null, "SIGKILL"]);
      const gone = await waitFor(() => livePids(token).length === 0, GONE_WITHIN_MS);
      const elapsedMs = performance.now() - killedAt;
      expect(gone, `still running ${Math.round(elapsedMs)} ms after the worker died: ${livePids(token).join(", ")}`).toBe(true);
    } finally {
      worker.kill("SIGKILL");
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode))("what the script spawns runs normally and does not inherit the lifeline", async () => {
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
      containment: mode,
    });
    expect(stdout(result)).toEqual(["lifeline is a socket: true", "grandchild holds the lifeline at []", "grandchild exited with 0"]);
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null });
  });

  test.skipIf(unavailable(mode))("an immediate exit keeps its exit code, and a normal run is not slowed down", async () => {
    const run = (code: string) => runScript({ code, cwd: tmpdir(), env: buildScriptEnv(process.env, []), timeoutMs: 10_000, containment: mode });
    // Exits while the watcher may still be starting.
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
