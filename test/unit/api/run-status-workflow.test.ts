import { describe, expect, it } from "vitest";
import type { RunStatusView } from "../../../src/api/run-status-reader.js";
import { lostWorkflow, rolledBackWorkflow } from "../runlog/workflow-fixtures.js";
import { auth, runStatusHarness } from "./run-status-harness.js";

const PREFIX = "{workflow-status-test}";
/** A value only the state holds: the record shows what each step changed, never the state itself. */
const STATE_ONLY = "only-in-the-state-7c1e";

describe("GET /api/runs/<id> of a workflow", () => {
  const r = runStatusHarness(PREFIX);
  const { until } = r;

  it("shows a running workflow's steps as the ledger saved them, where each stands, without the state", async () => {
    const saved = { ...lostWorkflow(), state: { secret: STATE_ONLY } };
    const run = await r.pipeline.add("scripts/wf-running.ts", { execute: { kind: "hold" }, workflow: { saved } });
    // Running shows once the job is active, a moment before the fake step saves its steps.
    const view = await until(run, "running", (v) => v.workflow !== undefined);
    expect(view.workflow).toEqual({
      outcome: "incomplete",
      failed_step: null,
      steps: [
        { name: "reserve", rollback: true, standing: "done" },
        { name: "charge", rollback: true, standing: "not_run" },
        { name: "ship", rollback: true, standing: "not_run" },
      ],
      entries: [
        {
          step: "reserve",
          direction: "run",
          outcome: "succeeded",
          started_at: saved.entries[0]!.startedAt,
          duration_ms: 120,
          error: null,
          changes: [],
          more_changes: 0,
        },
      ],
    });
    expect(JSON.stringify(view)).not.toContain(STATE_ONLY);
    r.pipeline.release(run);
    await until(run, "succeeded");
  });

  it("shows a finished workflow's recorded steps, not the ledger's last save", async () => {
    const recorded = rolledBackWorkflow();
    const run = await r.pipeline.add("scripts/wf-done.ts", {
      execute: { kind: "finish", status: "rolled_back" },
      workflow: { saved: lostWorkflow(), recorded },
    });
    const view = await until(run, "rolled_back");
    expect(view.message).toBe("it rolled_back");
    expect(view.workflow?.outcome).toBe("rolled_back");
    expect(view.workflow?.failed_step).toBe("ship");
    expect(view.workflow?.steps.map((s) => s.standing)).toEqual(["undone", "undone", "undone"]);
    expect(view.workflow?.entries.map((e) => `${e.step}:${e.direction}:${e.outcome}`)).toEqual([
      "reserve:run:succeeded",
      "charge:run:succeeded",
      "ship:run:failed",
      "ship:rollback:succeeded",
      "charge:rollback:succeeded",
      "reserve:rollback:succeeded",
    ]);
    expect(view.workflow?.entries[2]?.error).toBe("carrier down: 503");
    expect(view.workflow?.entries[4]?.changes).toEqual([{ path: "$.chargeId", before: "ch_1" }]);
  });

  it("shows the steps the ledger had for a run lost during a step", async () => {
    const run = await r.pipeline.add("scripts/wf-lost.ts", { execute: { kind: "crash" }, workflow: { saved: lostWorkflow() } });
    const view = await until(run, "lost");
    expect(view.workflow).toMatchObject({ outcome: "incomplete", failed_step: null });
    expect(view.workflow?.steps.map((s) => `${s.name}:${s.standing}`)).toEqual(["reserve:done", "charge:not_run", "ship:not_run"]);
  });

  it("lists runs by the new statuses, and a plain script's record has no workflow", async () => {
    const failed = await r.pipeline.add("scripts/wf-failed-walk.ts", { execute: { kind: "finish", status: "rollback_failed" } });
    const plain = await r.pipeline.add("scripts/plain.ts", { execute: { kind: "finish", status: "succeeded" } });
    await until(failed, "rollback_failed");
    expect(await until(plain, "succeeded")).not.toHaveProperty("workflow");
    const res = await fetch(`${r.base}/api/runs?status=rollback_failed`, { headers: auth });
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { runs: RunStatusView[] } | RunStatusView[];
    const runs = Array.isArray(listed) ? listed : listed.runs;
    expect(runs.map((r) => r.id)).toEqual([failed]);
  });
});
