import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, test } from "vitest";
import type { WorkflowEntry, WorkflowReport } from "../../../src/run-types.js";
import { createRedactor } from "../../../src/runner/redact.js";
import { parseReportLine } from "../../../src/runner/report-channel.js";
import { runScript, type ResumePoint } from "../../../src/runner/run-script.js";
import { buildScriptEnv } from "../../../src/runner/script-env.js";
import type { Resumption, WorkflowStepDescription } from "../../../src/sdk/protocol.js";

const env = buildScriptEnv(process.env, []);
const steps: WorkflowStepDescription[] = [
  { name: "reserve", rollback: true, timeoutMs: 3000 },
  { name: "approve", rollback: true, timeoutMs: 3000 },
  { name: "charge", rollback: true, timeoutMs: 3000 },
];
const TWO_DAYS = 2 * 24 * 60 * 60 * 1000;
const secret = `sk-${Math.random().toString(36).slice(2)}`;
const redact = createRedactor([secret]);

// A workflow engine in miniature, speaking the protocol itself (as in run-script-workflow.test.ts):
// `step` sends a report and waits for its ack; `lie` sends one without waiting (it is never acked).
// Reports are numbered on from FIRST (the resumption's seq + 1).
const engine = (first = 1) =>
  [
    'import { connect } from "node:net";',
    "const socket = connect(process.env.CHOREBOT_CHANNEL);",
    "await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });",
    "let buffered = ''; const waiting = new Map();",
    "socket.on('data', (chunk) => { buffered += chunk; let i; while ((i = buffered.indexOf('\\n')) !== -1) { const ack = JSON.parse(buffered.slice(0, i)); buffered = buffered.slice(i + 1); waiting.get(ack.seq)?.(); } });",
    `let seq = ${first - 1};`,
    "const report = (name, direction, outcome, state, extra = {}) => ({ type: 'step', report: { seq: ++seq, step: name, direction, outcome, startedAt: new Date().toISOString(), durationMs: 1, error: null, state, ...extra } });",
    "const step = async (...args) => { const message = report(...args); const acked = new Promise((resolve) => waiting.set(message.report.seq, resolve)); socket.write(JSON.stringify(message) + '\\n'); await acked; };",
    "const lie = (...args) => socket.write(JSON.stringify(report(...args)) + '\\n');",
  ].join("\n");
const waitFor = (signal: string, timeoutMs = TWO_DAYS, pullRequest: number | null = null) => JSON.stringify({ wait: { signal, timeoutMs, pullRequest } });

/** Runs `lines` as a workflow, recording what each step would save. */
async function run(lines: string[], o: { first?: number; resume?: Resumption; earlier?: WorkflowReport } = {}) {
  const saved: { entries: number; resume: ResumePoint | null }[] = [];
  const result = await runScript({
    code: [engine(o.first), ...lines, "socket.end();"].join("\n"),
    cwd: tmpdir(),
    env,
    timeoutMs: 10_000,
    redact,
    workflow: { steps, stateLimit: 64 * 1024, ...(o.earlier ? { earlier: o.earlier } : {}) },
    ...(o.resume ? { resume: o.resume } : {}),
    onStep: async (record, _entry, resume) => void saved.push({ entries: record.entries.length, resume }),
  });
  return { result, saved };
}

const entry = (step: string, outcome: WorkflowEntry["outcome"] = "succeeded", extra: Partial<WorkflowEntry> = {}): WorkflowEntry => ({
  step,
  direction: "run",
  outcome,
  startedAt: "2026-12-01T10:00:00.000Z",
  durationMs: 1,
  error: null,
  changes: [],
  moreChanges: 0,
  ...extra,
});
const declared = steps.map(({ name, rollback }) => ({ name, rollback }));
// What a first process left after approve reported waiting (redacted), and where it goes on from (raw).
const waited: WorkflowReport = {
  declared,
  entries: [entry("reserve"), entry("approve", "waiting", { wait: { signal: "approved", timeoutMs: TWO_DAYS, pullRequest: null } })],
  state: { held: 1, token: "[REDACTED]" },
};
const resumption = (over: Partial<Resumption> = {}): Resumption => ({
  from: "approve",
  state: { held: 1, token: secret },
  seq: 2,
  signals: { approved: { by: "bob" } },
  rollback: null,
  ...over,
});
const shape = (entries: WorkflowEntry[] | undefined) => entries?.map((e) => `${e.step} ${e.direction} ${e.outcome}`);

describe("runScript: a step that waits", () => {
  test("a wait reported, then a clean exit: the run is waiting, and the raw resume point is saved with each step", async () => {
    const { result, saved } = await run([
      `await step("reserve", "run", "succeeded", { held: 1, token: "${secret}" });`,
      `await step("approve", "run", "waiting", { held: 1, token: "${secret}" }, ${waitFor("approved")});`,
    ]);
    expect(result).toMatchObject({ status: "waiting", exitCode: 0, message: "waiting for signal approved at step approve (times out in 2d)" });
    // Raw: the next process starts from the secret itself; the record keeps it redacted.
    expect(saved).toEqual([
      { entries: 1, resume: { seq: 1, state: { held: 1, token: secret } } },
      { entries: 2, resume: { seq: 2, state: { held: 1, token: secret } } },
    ]);
    expect(result.report?.workflow?.entries.at(-1)).toMatchObject({ step: "approve", outcome: "waiting", wait: { signal: "approved", timeoutMs: TWO_DAYS } });
    expect(JSON.stringify(result.report)).not.toContain(secret);
  });

  test("the resume point after a failed step or a rollback is none: the one saved before stays", async () => {
    const { result, saved } = await run([
      'await step("reserve", "run", "succeeded", { held: 1 });',
      'await step("approve", "run", "failed", { held: 2 }, { error: "no" });',
      'await step("approve", "rollback", "succeeded", { held: 1 });',
      'await step("reserve", "rollback", "succeeded", { held: 0 });',
      "process.exitCode = 1;",
    ]);
    expect(result.status).toBe("rolled_back");
    expect(saved.map((s) => s.resume)).toEqual([{ seq: 1, state: { held: 1 } }, null, null, null]);
  });

  test("a process that fails after its wait was reported fails, saying so", async () => {
    const { result } = await run([
      `await step("reserve", "run", "succeeded", {});`,
      `await step("approve", "run", "waiting", {}, ${waitFor("approved")});`,
      "process.exitCode = 3;",
    ]);
    expect(result).toMatchObject({ status: "failed", message: "step approve reported waiting for signal approved, then exited with code 3" });
  });

  test("a lying script's waits are refused and never acked", async () => {
    const lies: [string, string][] = [
      ["waits for the approvals' own signal", `lie("approve", "run", "waiting", {}, ${waitFor("approval")});`],
      ["waits 60 days", `lie("approve", "run", "waiting", {}, ${waitFor("approved", 60 * 24 * 60 * 60 * 1000)});`],
      ["waits a negative time", `lie("approve", "run", "waiting", {}, ${waitFor("approved", -1)});`],
      ["names no pull request", `lie("approve", "run", "waiting", {}, ${waitFor("approved", TWO_DAYS, -4)});`],
      ["a bad signal name", `lie("approve", "run", "waiting", {}, ${waitFor("1 bad")});`],
      ["waits in a rollback", `lie("reserve", "rollback", "waiting", {}, ${waitFor("approved")});`],
      ["waits at a step not next", `lie("charge", "run", "waiting", {}, ${waitFor("approved")});`],
      ["waits without saying for what", 'lie("approve", "run", "waiting", {});'],
      ["a wait on a succeeded step", `lie("approve", "run", "succeeded", {}, ${waitFor("approved")});`],
    ];
    const results = await Promise.all(lies.map(([, lie]) => run(['await step("reserve", "run", "succeeded", {});', lie])));
    for (const [index, { result, saved }] of results.entries()) {
      const why = lies[index]![0];
      expect(
        saved.map((s) => s.entries),
        why,
      ).toEqual([1]);
      expect(result.status, why).toBe("failed");
      expect(result.report?.rejectedLines, why).toBe(1);
    }
  });

  test("a wait followed by more steps fails the run: what came after is refused", async () => {
    const { result, saved } = await run([
      'await step("reserve", "run", "succeeded", {});',
      `await step("approve", "run", "waiting", {}, ${waitFor("approved")});`,
      'lie("approve", "run", "succeeded", {});',
    ]);
    expect(saved.map((s) => s.entries)).toEqual([1, 2]);
    expect(result).toMatchObject({
      status: "failed",
      message: "step approve reported waiting for signal approved, then reported more steps: a step that waits must be the process's last",
    });
    expect(result.report?.rejectedLines).toBe(1);
  });

  test("a plain script is never waiting, whatever it sends", async () => {
    const result = await runScript({
      code: [engine(), `lie("approve", "run", "waiting", {}, ${waitFor("approved")});`, "socket.end();"].join("\n"),
      cwd: tmpdir(),
      env,
      timeoutMs: 10_000,
    });
    expect(result.status).toBe("succeeded");
    expect(result.report).not.toHaveProperty("workflow");
  });

  test("the channel keeps a wait's fields and refuses a report whose wait is not one", () => {
    const report = {
      seq: 2,
      step: "approve",
      direction: "run",
      outcome: "waiting",
      startedAt: new Date().toISOString(),
      durationMs: 1,
      error: null,
      state: {},
    };
    const wait = { signal: "approved", timeoutMs: 5, pullRequest: 7 };
    expect(parseReportLine(JSON.stringify({ type: "step", report: { ...report, wait: { ...wait, extra: 1 } } }))).toEqual({
      type: "step",
      report: { ...report, wait },
    });
    for (const bad of [null, "x", { ...wait, timeoutMs: "5" }, { ...wait, pullRequest: "7" }, { ...wait, signal: 1 }]) {
      expect(parseReportLine(JSON.stringify({ type: "step", report: { ...report, wait: bad } })), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe("runScript: a workflow that goes on in a fresh process", () => {
  test("step `from` runs again, reports are numbered on, and the record keeps the earlier entries", async () => {
    const { result, saved } = await run(
      [
        'import { readFileSync, statSync } from "node:fs";',
        'import { dirname } from "node:path";',
        "const path = process.env.CHOREBOT_RESUME;",
        "const resumed = JSON.parse(readFileSync(path, 'utf8'));",
        `console.log(JSON.stringify({ raw: resumed.state.token === "${secret}", path, file: (statSync(path).mode & 0o777).toString(8), dir: (statSync(dirname(path)).mode & 0o777).toString(8), resumed }));`,
        'await step("approve", "run", "succeeded", { ...resumed.state, by: resumed.signals.approved.by });',
        'await step("charge", "run", "succeeded", { paid: true });',
      ],
      { first: 3, resume: resumption(), earlier: waited },
    );
    expect(result.status).toBe("succeeded");
    const told = JSON.parse(result.output.lines[0]!.text) as { raw: boolean; path: string; file: string; dir: string; resumed: Resumption };
    // The whole resumption, raw (its output is redacted), readable by the script's user alone, and gone with the run.
    expect(told.resumed).toEqual(resumption({ state: { held: 1, token: "[REDACTED]" } }));
    expect(told).toMatchObject({ raw: true, file: "600", dir: "700" });
    await expect(stat(told.path)).rejects.toMatchObject({ code: "ENOENT" });
    expect(shape(result.report?.workflow?.entries)).toEqual(["reserve run succeeded", "approve run waiting", "approve run succeeded", "charge run succeeded"]);
    expect(saved).toEqual([
      { entries: 3, resume: { seq: 3, state: { held: 1, token: secret, by: "bob" } } },
      { entries: 4, resume: { seq: 4, state: { paid: true } } },
    ]);
    // Told against the state it started from.
    expect(result.report?.workflow?.entries[2]!.changes).toEqual([{ path: "$.by", after: "bob" }]);
    expect(JSON.stringify(result.report)).not.toContain(secret);
  });

  test("a resumed script that numbers its reports from 1, or skips the step it must run again, is refused", async () => {
    const [restarts, skips] = await Promise.all([
      run(['lie("approve", "run", "succeeded", {});'], { first: 1, resume: resumption(), earlier: waited }),
      run(['lie("charge", "run", "succeeded", {});'], { first: 3, resume: resumption(), earlier: waited }),
    ]);
    for (const { result, saved } of [restarts, skips]) {
      expect(saved).toEqual([]);
      expect(result.status).toBe("failed");
      expect(shape(result.report?.workflow?.entries)).toEqual(["reserve run succeeded", "approve run waiting"]);
    }
  });

  test("a wait again after going on: waiting again, numbered on", async () => {
    const { result, saved } = await run([`await step("approve", "run", "waiting", { held: 1 }, ${waitFor("approved", 60_000)});`], {
      first: 3,
      resume: resumption({ signals: {} }),
      earlier: waited,
    });
    expect(result).toMatchObject({ status: "waiting", message: "waiting for signal approved at step approve (times out in 1m)" });
    expect(saved).toEqual([{ entries: 3, resume: { seq: 3, state: { held: 1 } } }]);
  });

  test("a rollback after a wait that timed out: the waiting step's rollback, then the earlier ones, and the run is rolled_back", async () => {
    const reason = "waiting for approved timed out after 2d";
    const { result, saved } = await run(
      [
        'await step("approve", "rollback", "succeeded", { held: 1 });',
        'await step("reserve", "rollback", "succeeded", { held: 0 });',
        'lie("charge", "run", "succeeded", {});',
      ],
      { first: 3, resume: resumption({ rollback: { reason }, signals: {} }), earlier: waited },
    );
    expect(saved.map((s) => s.resume)).toEqual([null, null]);
    expect(result).toMatchObject({ status: "rolled_back", message: `${reason}; rolled back approve, reserve` });
    expect(shape(result.report?.workflow?.entries)).toEqual([
      "reserve run succeeded",
      "approve run waiting",
      "approve rollback succeeded",
      "reserve rollback succeeded",
    ]);
    expect(result.report?.rejectedLines).toBe(1);
  });

  test("a rollback that never happens after the decision: rollback_failed, naming what was not undone", async () => {
    const reason = "rolled back by @alice after step approve was interrupted";
    const { result } = await run([], {
      first: 2,
      resume: resumption({ seq: 1, rollback: { reason } }),
      earlier: { declared, entries: [entry("reserve")], state: {} },
    });
    expect(result).toMatchObject({ status: "rollback_failed" });
    expect(result.message).toContain(reason);
    expect(result.message).toContain("not undone: reserve, approve");
  });

  test("an interrupted step: Resume runs it again then goes on; Roll back undoes it (its rollback first) then the completed ones", async () => {
    const earlier: WorkflowReport = { declared, entries: [entry("reserve")], state: { held: 1 } };
    const reason = "rolled back by @alice after step approve was interrupted";
    const [resumed, rolledBack] = await Promise.all([
      run(['await step("approve", "run", "succeeded", {});', 'await step("charge", "run", "succeeded", {});'], {
        first: 2,
        resume: resumption({ seq: 1, signals: {} }),
        earlier,
      }),
      run(['await step("approve", "rollback", "succeeded", {});', 'await step("reserve", "rollback", "succeeded", {});'], {
        first: 2,
        resume: resumption({ seq: 1, signals: {}, rollback: { reason } }),
        earlier,
      }),
    ]);
    expect(resumed.result.status).toBe("succeeded");
    expect(shape(resumed.result.report?.workflow?.entries)).toEqual(["reserve run succeeded", "approve run succeeded", "charge run succeeded"]);
    expect(rolledBack.result).toMatchObject({ status: "rolled_back", message: `${reason}; rolled back approve, reserve` });
    expect(shape(rolledBack.result.report?.workflow?.entries)).toEqual(["reserve run succeeded", "approve rollback succeeded", "reserve rollback succeeded"]);
  });
});
