import { describe, expect, it } from "vitest";
import type { ParkInit } from "../../../src/stores/parked-runs.js";
import { runStatusHarness } from "./run-status-harness.js";
import { parkedRecord } from "../../helpers/parked-record.js";

const PREFIX = "{parked-status-test}";

function parkInit(runId: string, over: Partial<ParkInit>): ParkInit {
  const deadline = new Date(Date.now() + 86_400_000).toISOString();
  return parkedRecord(runId, { kind: "waiting", signal: "approval", deadline, requestedBy: "alice", approval: { count: 2 }, ...over });
}

describe("GET /api/runs/<id> of a parked run", () => {
  const r = runStatusHarness(PREFIX);
  const { status, until } = r;

  it("waiting for approvals: how many, who gave them when, who asked and until when; each decision listed", async () => {
    const run = await r.pipeline.add("scripts/approve-me.ts", { execute: { kind: "wait", reason: "parked" } });
    await until(run, "waiting");
    const init = parkInit(run, {});
    await r.parked.park(init);
    const before = await status(run);
    expect(before.status).toBe("waiting");
    expect(before.waiting).toEqual({
      signal: "approval",
      step: null,
      deadline: init.deadline,
      pull_request: null,
      requested_by: "alice",
      approvals: { count: 2, given: [] },
    });
    expect(before.waiting_reason).toBe(`waits for 2 approvals (0 given; asked by alice) until ${init.deadline}`);
    expect(before).not.toHaveProperty("decisions");
    expect(before).not.toHaveProperty("interrupted");

    const taken = await r.parked.decide(run, { kind: "approve", by: "bob", via: "page", at: "2026-12-06T10:00:00.000Z" });
    expect(taken.ok).toBe(true);
    const after = await status(run);
    expect(after.waiting?.approvals).toEqual({ count: 2, given: [{ by: "bob", at: "2026-12-06T10:00:00.000Z" }] });
    expect(after.waiting_reason).toBe(`waits for 2 approvals (1 given; asked by alice) until ${init.deadline}`);
    expect(after.decisions).toEqual([{ kind: "approve", by: "bob", via: "page", at: "2026-12-06T10:00:00.000Z" }]);
  });

  it("a step waiting for a signal names the step, the signal and the pull request whose review continues it", async () => {
    const run = await r.pipeline.add("scripts/wait-signal.ts", { execute: { kind: "wait", reason: "parked" } });
    await until(run, "waiting");
    await r.parked.park(parkInit(run, { signal: "payment-done", step: "charge", pullRequest: 7, requestedBy: null, approval: null }));
    const view = await status(run);
    expect(view.waiting).toMatchObject({ signal: "payment-done", step: "charge", pull_request: 7, approvals: null });
    expect(view.waiting_reason).toMatch(/^step charge waits for the signal payment-done until /);
  });

  it("an interrupted run (its execute job failed) is interrupted, naming the step, until a decision clears it; the decisions stay", async () => {
    const run = await r.pipeline.add("scripts/lost-me.ts", { execute: { kind: "crash" } });
    const lost = await until(run, "lost");
    const since = new Date().toISOString();
    await r.parked.park(parkInit(run, { kind: "interrupted", signal: null, step: "charge", since, deadline: null, approval: null }));
    const view = await status(run);
    expect(view.status).toBe("interrupted");
    expect(view.interrupted).toEqual({ step: "charge", since });
    expect(view).not.toHaveProperty("waiting");

    expect((await r.parked.decide(run, { kind: "resume", by: "carol", via: "cli", at: since, step: "charge" })).ok).toBe(true);
    await r.parked.clear(run);
    const cleared = await status(run);
    expect(cleared.status).toBe(lost.status);
    expect(cleared).not.toHaveProperty("interrupted");
    expect(cleared.decisions).toEqual([{ kind: "resume", by: "carol", via: "cli", at: since, step: "charge" }]);
  });
});
