import { describe, expect, test } from "vitest";
import type { WorkflowReport } from "../../../src/run-types.js";
import type { ResumePoint } from "../../../src/runner/run-script.js";
import type { Resumption } from "../../../src/sdk/protocol.js";
import { runWorkflowSource, SECRET } from "../attacks/workflow-runtime-harness.js";

// Through the real SDK: the engine's waits and resumptions against the runner's record.
const SOURCE = `
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: { token: "", by: null },
  steps: [
    step({ name: "reserve", run: (s) => { s.token = process.env.ATTACK_TOKEN; }, rollback: () => { console.log("undo reserve"); } }),
    step({
      name: "approve",
      run: async (s, ctx) => { s.by = (await ctx.waitFor("approved", { timeout: "1h" })).by; },
      rollback: () => { console.log("undo approve"); },
    }),
    step({ name: "ship", run: (s) => { console.log(\`ship for \${s.by}, token intact: \${s.token === process.env.ATTACK_TOKEN}\`); } }),
  ],
});
`;

/** Runs SOURCE, going on from `resume` when given; what it saved with each step. */
async function run(resume?: { resumption: Resumption; earlier: WorkflowReport }) {
  const points: (ResumePoint | null)[] = [];
  const { result } = await runWorkflowSource(SOURCE, {
    onStep: async (_record, _entry, point) => void points.push(point),
    ...(resume ? { resume: resume.resumption } : {}),
    ...(resume
      ? {
          workflow: {
            steps: ["reserve", "approve", "ship"].map((name) => ({ name, rollback: name !== "ship", timeoutMs: 5000 })),
            stateLimit: 64 * 1024,
            earlier: resume.earlier,
          },
        }
      : {}),
  });
  return { result, points };
}

describe("runScript and the SDK's waits", () => {
  test("a wait parks the run; its signal goes on from the raw state, its timeout rolls back the waiting step and the earlier ones", async () => {
    const first = await run();
    expect(first.result).toMatchObject({ status: "waiting", message: "waiting for signal approved at step approve (times out in 1h)" });
    const point = first.points.at(-1)!;
    // The raw state the waiting step started from: the secret itself, which the record redacts.
    expect(point).toEqual({ seq: 2, state: { token: SECRET, by: null } });
    expect(JSON.stringify(first.result.report)).not.toContain(SECRET);
    const earlier = first.result.report!.workflow!;
    const resumption = (over: Partial<Resumption>): Resumption => ({
      from: "approve",
      state: point.state,
      seq: point.seq,
      signals: {},
      rollback: null,
      ...over,
    });

    const reason = "waiting for approved timed out after 1h";
    const [signalled, timedOut] = await Promise.all([
      run({ resumption: resumption({ signals: { approved: { by: "bob" } } }), earlier }),
      run({ resumption: resumption({ rollback: { reason } }), earlier }),
    ]);
    expect(signalled.result.status).toBe("succeeded");
    expect(signalled.result.output.lines.map((l) => l.text)).toContain("ship for bob, token intact: true");
    expect(signalled.points.map((p) => p?.seq)).toEqual([3, 4]);
    expect(signalled.result.report?.workflow?.entries.map((e) => `${e.step} ${e.direction} ${e.outcome}`)).toEqual([
      "reserve run succeeded",
      "approve run waiting",
      "approve run succeeded",
      "ship run succeeded",
    ]);

    expect(timedOut.result).toMatchObject({ status: "rolled_back", message: `${reason}; rolled back approve, reserve` });
    expect(timedOut.result.output.lines.map((l) => l.text).filter((text) => text.startsWith("undo"))).toEqual(["undo approve", "undo reserve"]);
    expect(timedOut.result.report?.workflow?.entries.slice(2).map((e) => `${e.step} ${e.direction}`)).toEqual(["approve rollback", "reserve rollback"]);
  });

  test("Roll back of a run lost during its first step, with nothing saved: that step's rollback runs from the initial state", async () => {
    const reason = "rolled back by bob after step reserve was interrupted";
    const empty: WorkflowReport = { declared: [], entries: [], state: null };
    const { result } = await run({ resumption: { from: "reserve", seq: 0, signals: {}, rollback: { reason } }, earlier: empty });
    expect(result).toMatchObject({ status: "rolled_back", message: `${reason}; rolled back reserve` });
    expect(result.output.lines.map((l) => l.text).filter((text) => text.startsWith("undo"))).toEqual(["undo reserve"]);
    expect(result.report?.workflow?.entries.map((e) => `${e.step} ${e.direction} ${e.outcome}`)).toEqual(["reserve rollback succeeded"]);
  });
});
