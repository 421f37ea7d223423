import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { killGraceMs } from "../../../src/runner/kill-grace.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { runScript } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import type { ReportMessage, WorkflowStepDescription } from "../../../src/sdk/protocol.js";

const env = buildScriptEnv(process.env, []);
const steps: WorkflowStepDescription[] = [
  { name: "reserve", rollback: true, timeoutMs: 3000 },
  { name: "charge", rollback: true, timeoutMs: 3000 },
];
const workflow = { steps, stateLimit: 64 * 1024 };
const run = (code: string, extra: Partial<Parameters<typeof runScript>[0]> = {}) =>
  runScript({ code, cwd: tmpdir(), env, timeoutMs: 10_000, workflow, ...extra });

// A workflow engine in miniature, speaking the protocol itself: one connection, each step
// report sent and its ack awaited before the script goes on (prints `acked <seq> after <ms>`).
const ENGINE = [
  'import { connect } from "node:net";',
  "const socket = connect(process.env.CHOREBOT_CHANNEL);",
  "await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });",
  "let buffered = ''; const waiting = new Map();",
  "socket.on('data', (chunk) => { buffered += chunk; let i; while ((i = buffered.indexOf('\\n')) !== -1) { const ack = JSON.parse(buffered.slice(0, i)); buffered = buffered.slice(i + 1); waiting.get(ack.seq)?.(); } });",
  "let seq = 0;",
  "const step = async (name, direction, outcome, state, error = null) => {",
  "  seq += 1; const sent = performance.now(); const mine = seq;",
  "  const acked = new Promise((resolve) => waiting.set(mine, resolve));",
  "  socket.write(JSON.stringify({ type: 'step', report: { seq: mine, step: name, direction, outcome, startedAt: new Date().toISOString(), durationMs: 1, error, state } }) + '\\n');",
  "  await acked; console.log(`acked ${mine} after ${Math.round(performance.now() - sent)}`);",
  "};",
].join("\n");
const script = (...lines: string[]) => [ENGINE, ...lines, "socket.end();"].join("\n");

describe("runScript: a workflow's steps", () => {
  test("each step is persisted before its ack, and the script goes on only after the ack", async () => {
    const saved: { entries: number; state: unknown }[] = [];
    const result = await run(
      script('await step("reserve", "run", "succeeded", { held: 1 });', 'await step("charge", "run", "succeeded", { held: 1, paid: true });'),
      {
        onStep: async (record: WorkflowReport, entry: WorkflowEntry) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          saved.push({ entries: record.entries.length, state: record.state });
          expect(entry).toBe(record.entries.at(-1));
        },
      },
    );
    expect(result.status).toBe("succeeded");
    expect(saved).toEqual([
      { entries: 1, state: { held: 1 } },
      { entries: 2, state: { held: 1, paid: true } },
    ]);
    const waits = result.output.lines.map((line) => Number(/acked \d after (\d+)/.exec(line.text)?.[1]));
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(95);
    expect(result.report?.workflow?.entries.map((e) => [e.step, e.direction, e.outcome, e.changes])).toEqual([
      ["reserve", "run", "succeeded", [{ path: "$.held", after: 1 }]],
      ["charge", "run", "succeeded", [{ path: "$.paid", after: true }]],
    ]);
  });

  test("without onStep (a local run) every step is acked at once", async () => {
    const shown: ReportMessage[] = [];
    const result = await run(script('await step("reserve", "run", "succeeded", {});', 'await step("charge", "run", "succeeded", {});'), {
      onReport: (m) => shown.push(m),
    });
    expect(result.status).toBe("succeeded");
    expect(shown.filter((m) => m.type === "step").map((m) => m.type === "step" && m.report.step)).toEqual(["reserve", "charge"]);
  });

  test("a completed walk back is rolled_back whatever the exit code, with the errors redacted", async () => {
    const result = await run(
      script(
        'await step("reserve", "run", "succeeded", { token: "sk-live-999" });',
        'await step("charge", "run", "failed", {}, "card declined for sk-live-999");',
        'await step("charge", "rollback", "succeeded", {});',
        'await step("reserve", "rollback", "succeeded", {});',
        'console.error("step charge failed"); process.exitCode = 1;',
      ),
      { redact: createRedactor(["sk-live-999"]), onStep: async () => {} },
    );
    expect(result).toMatchObject({
      status: "rolled_back",
      exitCode: 1,
      message: "step charge failed: card declined for [REDACTED]; rolled back charge, reserve",
    });
    expect(JSON.stringify(result.report)).not.toContain("sk-live-999");
  });

  test("a step whose save never succeeds is never acked: the script waits until its timeout", async () => {
    let calls = 0;
    const result = await run(script('await step("reserve", "run", "succeeded", {});', 'console.log("went on");'), {
      timeoutMs: 1500,
      onStep: async () => {
        calls += 1;
        throw new Error("redis down");
      },
    });
    expect(calls).toBe(1);
    expect(result.status).toBe("timed_out");
    expect(result.output.lines.map((l) => l.text)).not.toContain("went on");
  });

  test("a run timeout during a step gives the rollbacks their kill grace, and a completed walk is rolled_back", async () => {
    const grace = killGraceMs({ steps });
    expect(grace).toBe(11_000);
    const result = await run(
      script(
        "process.on('SIGTERM', async () => {",
        '  await step("charge", "run", "cancelled", {}, "the run was stopped");',
        // Longer than the 5 s a plain script gets between SIGTERM and SIGKILL.
        "  await new Promise((resolve) => setTimeout(resolve, 5500));",
        '  await step("charge", "rollback", "succeeded", {});',
        '  await step("reserve", "rollback", "succeeded", {});',
        "  socket.end(); process.exit(1);",
        "});",
        'await step("reserve", "run", "succeeded", {});',
        "await new Promise(() => setInterval(() => {}, 1000));",
      ),
      { timeoutMs: 1000, killGraceMs: grace, onStep: async () => {} },
    );
    expect(result).toMatchObject({
      status: "rolled_back",
      message: "timed out after 1 s; step charge was stopped: the run was stopped; rolled back charge, reserve",
    });
  }, 20_000);

  test("a lying script: undeclared steps, repeats, floods and steps after the walk are never acked, and counted", async () => {
    const persisted: number[] = [];
    const result = await run(
      [
        ENGINE,
        'await step("reserve", "run", "succeeded", {});',
        // Sent without waiting: none of these can be acked.
        "const lie = (report) => socket.write(JSON.stringify({ type: 'step', report: { startedAt: 'x', durationMs: 1, error: null, state: {}, direction: 'run', outcome: 'succeeded', ...report } }) + '\\n');",
        "lie({ seq: 2, step: 'nope' }); lie({ seq: 1, step: 'charge' }); lie({ seq: 2, step: 'reserve' });",
        "for (let i = 0; i < 500; i++) lie({ seq: 2 + i, step: 'reserve' });",
        'console.log("done");',
        "setTimeout(() => { socket.end(); }, 300);",
      ].join("\n"),
      { onStep: async (record) => void persisted.push(record.entries.length) },
    );
    // It exited 0 with charge never run: not succeeded (test/unit/attacks/workflow-runtime-exit-midway.test.ts).
    expect(result.status).toBe("failed");
    expect(persisted).toEqual([1]);
    expect(result.report?.workflow?.entries).toHaveLength(1);
    expect(result.report?.rejectedLines).toBe(503);
  });

  test("a script that is not a workflow gets no ack and no workflow record for a step message", async () => {
    const result = await runScript({
      code: [
        ENGINE,
        "const timer = setTimeout(() => { console.log('no ack'); process.exit(0); }, 500);",
        'await step("reserve", "run", "succeeded", {});',
      ].join("\n"),
      cwd: tmpdir(),
      env,
      timeoutMs: 10_000,
      onStep: async () => {
        throw new Error("never called");
      },
    });
    expect(result.output.lines.map((l) => l.text)).toEqual(["no ack"]);
    expect(result.report).not.toHaveProperty("workflow");
    expect(result.report?.rejectedLines).toBe(1);
  });
});
