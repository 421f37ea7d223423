import { once } from "node:events";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { containment, MARKER_ENV, type Containment } from "../../../src/runner/process-containment.js";
import { runScript, type RunScriptOptions } from "../../../src/runner/run-script.js";
import { killAll, livePids, uniqueSleep, uniqueToken, waitFor } from "./live-processes.js";
import { buildDrivers, type Drivers } from "./worker-driver.js";

const GONE_WITHIN_MS = 2000;
const MODES: Containment[] = ["pid-namespace", "marker-sweep"];
const unavailable = (mode: Containment) => mode === "pid-namespace" && containment() !== "pid-namespace";

/**
 * Starts what usually outlives a script: a `setsid` sleep, a `nohup` sleep, a double fork,
 * and a detached, unref'd node grandchild; prints `ready` once they all run, then `then`.
 */
function leaveOrphans(then: string): string {
  return [
    'import { execSync, spawn } from "node:child_process";',
    'execSync("setsid sleep 1000 >/dev/null 2>&1 & nohup sleep 1000 >/dev/null 2>&1 & (sleep 1000 >/dev/null 2>&1 &)");',
    'const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });',
    "grandchild.unref();",
    'await new Promise((resolve) => grandchild.on("spawn", resolve));',
    'console.log("ready");',
    then,
  ].join("\n");
}
// The script, its watcher, three sleeps and the grandchild (and nsenter in a namespace).
const ORPHANS_AND_SCRIPT = 6;

const stdout = (result: ExecutionResult) => result.output.lines.filter((l) => l.stream === "stdout").map((l) => l.text);

let drivers: Drivers;
beforeAll(async () => {
  drivers = await buildDrivers();
});
afterAll(async () => {
  await drivers.close();
});

test("this host's containment is chosen once, and is one of the two", () => {
  expect(MODES).toContain(containment());
  expect(containment()).toBe(containment());
});

describe.each(MODES)("no process a script starts outlives its run (%s)", (mode) => {
  const run = (code: string, token: string, extra: Partial<RunScriptOptions> = {}) =>
    runScript({ code, cwd: tmpdir(), env: { PATH: process.env.PATH ?? "", TOKEN: token }, timeoutMs: 30_000, containment: mode, ...extra });

  test.skipIf(unavailable(mode)).each([
    { end: "the script exits", then: "await new Promise((r) => setTimeout(r, 100));", timeoutMs: 30_000, status: "succeeded" },
    { end: "the script times out", then: "setInterval(() => {}, 1000);", timeoutMs: 1500, status: "timed_out" },
  ])("when $end, setsid, nohup, double-forked and detached processes die with it", async ({ then, timeoutMs, status }) => {
    const token = uniqueToken();
    let running: number[] = [];
    try {
      const result = await run(leaveOrphans(then), token, {
        timeoutMs,
        killGraceMs: 500,
        onLine: (line) => line.text === "ready" && (running = livePids(token)),
      });
      expect(result.status).toBe(status);
      expect(running.length).toBeGreaterThanOrEqual(ORPHANS_AND_SCRIPT);
      expect(await waitFor(() => livePids(token).length === 0, GONE_WITHIN_MS), `left running: ${livePids(token).join(", ")}`).toBe(true);
    } finally {
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode))("when its worker is SIGKILLed, setsid, nohup, double-forked and detached processes die with it", async () => {
    const token = uniqueToken();
    const worker = await drivers.start({
      code: leaveOrphans("setInterval(() => {}, 1000);"),
      env: { PATH: process.env.PATH ?? "", TOKEN: token },
      containment: mode,
    });
    try {
      expect(await waitFor(() => livePids(token).length >= ORPHANS_AND_SCRIPT, GONE_WITHIN_MS)).toBe(true);
      const exited = once(worker, "exit");
      worker.kill("SIGKILL");
      await exited;
      expect(await waitFor(() => livePids(token).length === 0, GONE_WITHIN_MS), `left running: ${livePids(token).join(", ")}`).toBe(true);
    } finally {
      worker.kill("SIGKILL");
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode))("a timeout sends SIGTERM once to the script and to what it started, before the grace period ends", async () => {
    const token = uniqueToken();
    const result = await run(
      [
        'import { spawn } from "node:child_process";',
        'spawn("sh", ["-c", "trap \'echo child got SIGTERM; exit 0\' TERM; sleep 1000 & wait"], { stdio: "inherit" });',
        "let terms = 0;",
        'process.on("SIGTERM", () => { terms++; setTimeout(() => { console.log("SIGTERMs: " + terms); process.exit(0); }, 300); });',
        "setInterval(() => {}, 1000);",
      ].join("\n"),
      token,
      { timeoutMs: 800 },
    );
    try {
      expect(result).toMatchObject({ status: "timed_out", exitCode: 0 });
      expect(stdout(result).sort()).toEqual(["SIGTERMs: 1", "child got SIGTERM"]);
    } finally {
      killAll(token);
    }
  });

  test.skipIf(unavailable(mode)).each([
    { code: "process.exit(130);", exitCode: 130, signal: null },
    { code: 'process.kill(process.pid, "SIGTERM"); setInterval(() => {}, 1000);', exitCode: null, signal: "SIGTERM" },
    { code: 'process.kill(process.pid, "SIGKILL");', exitCode: null, signal: "SIGKILL" },
    { code: "process.abort();", exitCode: null, signal: "SIGABRT" },
  ])("the run ends with the script's own exit code or signal: $code", async ({ code, exitCode, signal }) => {
    const result = await run(code, uniqueToken());
    expect(result).toMatchObject({ exitCode, signal });
  });

  test.skipIf(unavailable(mode))("the script gets its working directory, its environment, its pipes and its lifeline", async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "chorebot-cwd-")));
    try {
      const token = uniqueToken();
      const result = await run(
        [
          'import { fstatSync } from "node:fs";',
          "console.log(process.cwd());",
          "console.log(JSON.stringify(process.env));",
          'console.error("to stderr");',
          "console.log(fstatSync(3).isSocket());",
        ].join("\n"),
        token,
        { cwd: dir },
      );
      expect(result.status).toBe("succeeded");
      const [cwd, env, lifeline] = stdout(result);
      expect(cwd).toBe(dir);
      expect(lifeline).toBe("true");
      expect(result.output.lines.filter((l) => l.stream === "stderr").map((l) => l.text)).toEqual(["to stderr"]);
      // Exactly what it was handed, plus the report channel, plus the run's marker where it is swept for.
      const marker = mode === "marker-sweep" ? { [MARKER_ENV]: expect.stringMatching(/^[0-9a-f]{32}$/) } : {};
      expect(JSON.parse(env!)).toEqual({ PATH: process.env.PATH, TOKEN: token, CHOREBOT_CHANNEL: expect.any(String), ...marker });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("in a PID namespace", () => {
  test.skipIf(unavailable("pid-namespace"))("even a process that scrubbed its environment and left the group dies with the run", async () => {
    const sleep = uniqueSleep();
    try {
      const result = await runScript({
        code: `import { execSync } from "node:child_process";\nexecSync("env -i setsid sleep ${sleep} >/dev/null 2>&1 &");`,
        cwd: tmpdir(),
        env: { PATH: process.env.PATH ?? "" },
        timeoutMs: 30_000,
        containment: "pid-namespace",
      });
      expect(result.status).toBe("succeeded");
      expect(await waitFor(() => livePids(sleep).length === 0, GONE_WITHIN_MS)).toBe(true);
    } finally {
      killAll(sleep);
    }
  });

  test.skipIf(unavailable("pid-namespace"))("the script sees its own processes only, with pids that match its /proc", async () => {
    const result = await runScript({
      code: 'import { readlinkSync } from "node:fs";\nconsole.log(process.pid === Number(readlinkSync("/proc/self")), process.ppid);',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? "" },
      timeoutMs: 30_000,
      containment: "pid-namespace",
    });
    expect(stdout(result)).toEqual(["true 0"]);
  });
});
