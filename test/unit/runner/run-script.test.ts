import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { ExecutionResult, OutputLine } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";

const env = buildScriptEnv(process.env, []);
const run = (code: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) => runScript({ code, cwd: tmpdir(), env, timeoutMs: 10_000, ...extra });
const text = (result: ExecutionResult, stream: OutputLine["stream"]) => result.output.lines.filter((l) => l.stream === stream).map((l) => l.text);

/** A `sleep` whose argument no other process on this machine has, so `ps` can find it. */
function uniqueSleep(): string {
  return `300.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}
function isRunning(sleepArgument: string): boolean {
  const processes = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n");
  return processes.some((args) => args.trim() === `sleep ${sleepArgument}`);
}

describe("runScript", () => {
  test("a clean exit succeeds and reports times", async () => {
    const result = await run('console.log("hello"); console.log(import.meta.url);');
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0, signal: null, message: null });
    expect(result.output.omittedAt).toBeNull();
    expect(text(result, "stdout")[0]).toBe("hello");
    expect(Number.isInteger(result.durationMs)).toBe(true);
    expect(Date.parse(result.finishedAt) - Date.parse(result.startedAt)).toBeGreaterThanOrEqual(0);
    expect(new Date(result.startedAt).toISOString()).toBe(result.startedAt);
    // The bundle ran from a temp dir that is gone afterwards.
    const scriptPath = fileURLToPath(text(result, "stdout")[1] ?? "");
    expect(scriptPath).toMatch(/chorebot-run-.*script\.mjs$/);
    expect(existsSync(scriptPath)).toBe(false);
  });

  test("a non-zero exit code fails", async () => {
    const result = await run("process.exitCode = 3;");
    expect(result).toMatchObject({ status: "failed", exitCode: 3, signal: null, message: "exited with code 3" });
  });

  test("a throw fails with the stack on stderr", async () => {
    const result = await run('function deep() { throw new Error("boom"); }\ndeep();');
    expect(result).toMatchObject({ status: "failed", exitCode: 1 });
    const stderr = text(result, "stderr").join("\n");
    expect(stderr).toContain("Error: boom");
    expect(stderr).toMatch(/at deep \(.*script\.mjs:1:\d+\)/);
  });

  test("a script killed by a signal fails with the signal", async () => {
    const result = await run('process.kill(process.pid, "SIGKILL");');
    expect(result).toMatchObject({ status: "failed", exitCode: null, signal: "SIGKILL", message: "killed by SIGKILL" });
  });

  test("interleaves stdout and stderr in order with increasing times", async () => {
    const seen: OutputLine[] = [];
    const result = await run(
      [
        "const pause = () => new Promise((r) => setTimeout(r, 15));",
        'for (const [stream, text] of [["stdout", "1"], ["stderr", "2"], ["stdout", "3"], ["stderr", "4"]]) {',
        "  process[stream].write(text + '\\n');",
        "  await pause();",
        "}",
      ].join("\n"),
      { onLine: (line) => seen.push(line) },
    );
    const order = result.output.lines.map((l) => `${l.stream}:${l.text}`);
    expect(order).toEqual(["stdout:1", "stderr:2", "stdout:3", "stderr:4"]);
    expect(seen).toEqual(result.output.lines);
    const times = result.output.lines.map((l) => l.t);
    for (const t of times) expect(Number.isInteger(t)).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((times[3] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(30);
  });

  test("gives the script exactly the environment it is handed", async () => {
    const source = { ...process.env, CHOREBOT_TEST_ALLOWED: "visible", CHOREBOT_TEST_SECRET: "hidden" };
    const scriptEnv = buildScriptEnv(source, ["CHOREBOT_TEST_ALLOWED"]);
    const result = await run("console.log(JSON.stringify(process.env));", { env: scriptEnv });
    const seen = JSON.parse(text(result, "stdout").join("")) as Record<string, string>;
    expect(seen.CHOREBOT_TEST_ALLOWED).toBe("visible");
    expect(seen).not.toHaveProperty("CHOREBOT_TEST_SECRET");
    // Plus where to report (the report channel), and nothing else.
    expect(seen).toEqual({ ...scriptEnv, CHOREBOT_CHANNEL: expect.stringMatching(/chorebot-run-.*\.sock$/) });
  });

  test("redacts output before it is reported or kept", async () => {
    const seen: string[] = [];
    const result = await run('console.log("token=" + process.env.TOKEN + " done");', {
      env: { ...env, TOKEN: "tok-123456" },
      redact: createRedactor(["tok-123456"]),
      onLine: (line) => seen.push(line.text),
    });
    expect(text(result, "stdout")).toEqual(["token=[REDACTED] done"]);
    expect(seen).toEqual(["token=[REDACTED] done"]);
  });

  test("keeps output bounded when a script prints 20 MB", async () => {
    const maxOutputBytes = 64 * 1024;
    const result = await run(
      ['const body = "x".repeat(1000);', "for (let i = 0; i < 20000; i++) process.stdout.write(`${String(i).padStart(5, '0')} ${body}\\n`);"].join("\n"),
      { maxOutputBytes },
    );
    expect(result.status).toBe("succeeded");
    const lines = result.output.lines;
    const kept = lines.reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);
    expect(kept).toBeLessThanOrEqual(maxOutputBytes);
    expect(result.output.omittedBytes).toBeGreaterThan(0);
    expect(kept + result.output.omittedBytes).toBe(20_000 * 1007);
    expect(lines[0]?.text.startsWith("00000 ")).toBe(true);
    expect(lines.at(-1)?.text.startsWith("19999 ")).toBe(true);
    // The run log puts its "output omitted" marker where the gap is.
    const at = result.output.omittedAt ?? -1;
    expect(Number(lines[at]?.text.slice(0, 5)) - Number(lines[at - 1]?.text.slice(0, 5))).toBeGreaterThan(1);
  });

  // The two timeout tests mostly wait, so they wait together.
  test.concurrent("a timeout kills the script's whole process group", async () => {
    const marker = uniqueSleep();
    let sleepWasRunning = false;
    const result = await run(
      [
        'import { spawn } from "node:child_process";',
        `const sleep = spawn("sleep", ["${marker}"], { stdio: "inherit" });`,
        'sleep.on("spawn", () => console.log("spawned"));',
        "setInterval(() => {}, 1000);",
      ].join("\n"),
      {
        timeoutMs: 1200,
        onLine: (line) => {
          if (line.text === "spawned") sleepWasRunning = isRunning(marker);
        },
      },
    );
    expect(sleepWasRunning).toBe(true);
    expect(result).toMatchObject({ status: "timed_out", signal: "SIGTERM", message: "timed out after 1.2 s" });
    expect(isRunning(marker)).toBe(false);
  });

  test.concurrent("a script that ignores SIGTERM is killed after the grace period", async () => {
    const result = await run(
      ['process.on("SIGTERM", () => console.log("ignoring SIGTERM"));', 'console.log("ready");', "setInterval(() => {}, 1000);"].join("\n"),
      { timeoutMs: 1000, killGraceMs: 200 },
    );
    expect(result).toMatchObject({ status: "timed_out", signal: "SIGKILL", message: "timed out after 1 s" });
    expect(text(result, "stdout")).toEqual(["ready", "ignoring SIGTERM"]);
  });

  test("what a script leaves running dies with it and cannot hold the pipes open", async () => {
    const marker = uniqueSleep();
    const started = performance.now();
    const result = await run(
      [
        'import { spawn } from "node:child_process";',
        `const sleep = spawn("sleep", ["${marker}"], { stdio: "inherit" });`,
        "sleep.unref();",
        'sleep.on("spawn", () => console.log("left behind"));',
      ].join("\n"),
    );
    expect(result.status).toBe("succeeded");
    expect(text(result, "stdout")).toEqual(["left behind"]);
    expect(isRunning(marker)).toBe(false);
    // Well under the bounded wait for pipes that something outside the group still holds.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  test("aborting stops the script with status cancelled", async () => {
    const controller = new AbortController();
    const result = await run('console.log("ready"); setInterval(() => {}, 1000);', {
      signal: controller.signal,
      onLine: (line) => {
        if (line.text === "ready") controller.abort();
      },
    });
    expect(result).toMatchObject({ status: "cancelled", signal: "SIGTERM", message: "cancelled while running" });
  });

  test("a spawn failure is a failed result, not an exception", async () => {
    const result = await run('console.log("never")', { cwd: "/nonexistent/chorebot-cwd" });
    expect(result).toMatchObject({ status: "failed", exitCode: null, signal: null });
    expect(result.message).toMatch(/^could not start node: .*ENOENT/);
    expect(result.output.lines).toEqual([]);
  });
});
