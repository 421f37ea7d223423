import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { ExecutionResult } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { redactExecution } from "../../../src/runner/redact-execution.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import type { ReportMessage } from "../../../src/sdk/protocol.js";

const env = buildScriptEnv(process.env, []);
const run = (code: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) => runScript({ code, cwd: tmpdir(), env, timeoutMs: 10_000, ...extra });

// Scripts that speak the protocol themselves, without the SDK: a connection to
// CHOREBOT_CHANNEL, JSON lines, and the connection ended before the script exits.
const REPORT = [
  'import { connect } from "node:net";',
  "const report = async (...messages) => {",
  "  const socket = connect(process.env.CHOREBOT_CHANNEL);",
  "  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });",
  "  await new Promise((resolve) => socket.end(messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)) + '\\n').join(''), resolve));",
  "};",
].join("\n");
const script = (...lines: string[]) => [REPORT, ...lines].join("\n");

function report(result: ExecutionResult) {
  if (result.report === undefined) throw new Error(`no report: ${JSON.stringify(result)}`);
  return result.report;
}

describe("runScript: the report channel", () => {
  test("a plain script that reports nothing gets no report", async () => {
    const result = await run('console.log("plain");');
    expect(result.status).toBe("succeeded");
    expect(result).not.toHaveProperty("report");
  });

  test("aggregates messages from the script, its worker threads and its child processes", async () => {
    const seen: ReportMessage[] = [];
    const result = await run(
      script(
        'import { Worker } from "node:worker_threads";',
        'import { execFileSync } from "node:child_process";',
        "const sender = `const { connect } = require('node:net');",
        "const s = connect(process.env.CHOREBOT_CHANNEL);",
        "s.end(JSON.stringify({ type: 'counter', name: 'rows', op: 'inc', value: 5 }) + '\\\\n');`;",
        "await new Promise((resolve, reject) => new Worker(sender, { eval: true }).on('exit', resolve).on('error', reject));",
        "execFileSync(process.execPath, ['-e', sender], { env: process.env });",
        'await report({ type: "inputs", values: { name: "ann", n: 3 } }, { type: "log", message: "one" }, { type: "counter", name: "rows", op: "inc", value: 1 });',
        'await report({ type: "progress", done: 2, total: 4 }, { type: "log", message: "two\\u001b[31m red" }, { type: "result", value: { updated: 7 } });',
        'await report({ type: "counter", name: "set", op: "set", value: 9 }, { type: "counter", name: "set", op: "set", value: 4 });',
      ),
      { onReport: (m) => seen.push(m) },
    );
    expect(result.status).toBe("succeeded");
    const r = report(result);
    expect(r).toMatchObject({
      inputs: { name: "ann", n: 3 },
      counters: { rows: 11, set: 4 },
      progress: { done: 2, total: 4 },
      result: { updated: 7 },
      failReason: null,
      droppedLogs: 0,
      rejectedLines: 0,
    });
    expect(r.logs.map((l) => l.message)).toEqual(["one", "two red"]);
    for (const l of r.logs) expect(Number.isInteger(l.t) && l.t >= 0 && l.t <= result.durationMs).toBe(true);
    expect(seen).toHaveLength(10);
    expect(seen).toContainEqual({ type: "log", message: "two red" });
  });

  test("a script that reports fail has failed with the reason, even with exit code 0", async () => {
    const result = await run(script('await report({ type: "fail", reason: "no such customer:\\n  42" }, { type: "fail", reason: "later" });'));
    expect(result).toMatchObject({ status: "failed", exitCode: 0, message: "no such customer: 42" });
    expect(report(result).failReason).toBe("no such customer:\n  42");
  });

  test("a timeout still says timed out after a fail", async () => {
    const result = await run(script('await report({ type: "fail", reason: "stuck" });', "setInterval(() => {}, 1000);"), {
      timeoutMs: 800,
    });
    expect(result).toMatchObject({ status: "timed_out", message: "timed out after 0.8 s" });
    expect(report(result).failReason).toBe("stuck");
  });

  test("redacts logs, the fail reason, counter names, and strings anywhere in inputs and result", async () => {
    const secret = "s3cr3t-value";
    const seen: ReportMessage[] = [];
    const result = await run(
      script(
        "const s = process.env.TOKEN;",
        "await report(",
        "  { type: 'inputs', values: { token: s, nested: [{ deep: `x${s}y` }], n: 1 } },",
        "  { type: 'log', message: `token=${s}` },",
        "  { type: 'counter', name: `counted-${s}`, op: 'inc', value: 1 },",
        "  { type: 'result', value: { list: [s, { k: s }], ok: true, n: null } },",
        "  { type: 'fail', reason: `bad ${s}` },",
        ");",
      ),
      { env: { ...env, TOKEN: secret }, redact: createRedactor([secret]), onReport: (m) => seen.push(m) },
    );
    const r = report(result);
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(seen)).not.toContain(secret);
    expect(result.message).toBe("bad [REDACTED]");
    expect(r.inputs).toEqual({ token: "[REDACTED]", nested: [{ deep: "x[REDACTED]y" }], n: 1 });
    expect(r.result).toEqual({ list: ["[REDACTED]", { k: "[REDACTED]" }], ok: true, n: null });
    expect(r.logs.map((l) => l.message)).toEqual(["token=[REDACTED]"]);
    expect(r.counters).toEqual({ "counted-[REDACTED]": 1 });
    // And again when the record is rendered, with the secrets known then.
    const late = redactExecution(result, createRedactor(["[REDACTED]", "counted"]));
    expect(JSON.stringify(late.report)).not.toContain("counted");
  });

  test("passes inputs in the environment, over a variable of the same name", async () => {
    const result = await run(script("await report({ type: 'result', value: [process.env.CHOREBOT_INPUTS, process.env.CHOREBOT_DESCRIBE ?? null] });"), {
      inputs: { name: "ann", n: "3" },
      env: { ...env, CHOREBOT_INPUTS: "{}", CHOREBOT_CHANNEL: "/nowhere" },
    });
    expect(report(result).result).toEqual(['{"name":"ann","n":"3"}', null]);
  });

  test("bad lines are counted, logs are capped, and a flood does not stop the run", async () => {
    const result = await run(
      script(
        "const lines = ['garbage', '{\"type\":\"log\"}', 'x'.repeat(70000)];",
        "for (let i = 0; i < 3000; i++) lines.push({ type: 'log', message: `line ${i}` });",
        "lines.push({ type: 'result', value: 'done' });",
        "await report(...lines);",
      ),
    );
    expect(result.status).toBe("succeeded");
    const r = report(result);
    expect(r.logs).toHaveLength(1000);
    expect(r.logs[999]?.message).toBe("line 999");
    expect(r.droppedLogs).toBe(2000);
    expect(r.rejectedLines).toBe(3);
    expect(r.result).toBe("done");
  });
});
