import { describe, expect, it } from "vitest";
import { jobTitle, parkedTitle } from "../../../src/dashboard/job-title.js";
import type { ParkedRun, ParkInit } from "../../../src/stores/parked-runs.js";
import { auth, parkedDashboardHarness, parkInit } from "./parked-dashboard-harness.js";

const PREFIX = "dash-parked";

/** A run interrupted at step charge, as `over` changes it. */
const init = (runId: string, over: Partial<ParkInit>): ParkInit => parkInit(runId, { step: "charge", ...over });

const record = (over: Partial<ParkInit>): ParkedRun => ({ ...init("r", over), approval: null, decision: null });

describe("a parked run's execute job title", () => {
  it("says what it waits for, or that a person must choose Resume or Roll back", () => {
    expect(parkedTitle(record({ kind: "waiting", signal: "approved", step: "charge" }))).toBe("⏳ waiting for approved (step charge)");
    expect(parkedTitle(record({}))).toBe("⏸ interrupted at step charge: Resume or Roll back on its page");
    const approvals: ParkedRun = { ...record({ kind: "waiting", signal: "approval", step: null }), approval: { count: 2, approvals: [] } };
    expect(parkedTitle(approvals)).toBe("⏳ waiting for approval (0 of 2 given)");
    // The record wins over the job's own state (a failed job would say "failed").
    expect(jobTitle("execute", { name: "scripts/a.ts", failedReason: "job stalled more than allowable limit" }, record({}))).toBe(
      "scripts/a.ts — ⏸ interrupted at step charge: Resume or Roll back on its page",
    );
    // A step name cannot break the title onto lines.
    expect(parkedTitle(record({ step: "a\nb\n\nc" }))).toBe("⏸ interrupted at step a b c: Resume or Roll back on its page");
  });
});

describe("the dashboard and a parked run", () => {
  const d = parkedDashboardHarness(PREFIX);

  /** An execute job that failed as a lost worker's does. */
  async function failedRun(runId: string): Promise<void> {
    await d.execute.add("run", { script: "scripts/x.ts" }, { jobId: runId, attempts: 1 });
    const job = await d.worker.getNextJob(`token-${runId}`);
    expect(job.id).toBe(runId);
    await job.moveToFailed(new Error("the worker was lost"), `token-${runId}`);
  }

  it("refuses Retry of an interrupted run with no decision, and the bulk retry of failed runs while one waits", async () => {
    await failedRun("int-1");
    await d.parked.park(init("int-1", {}));
    const one = await fetch(`${d.base}/admin/queues/api/queues/execute/int-1/retry`, { method: "PUT", headers: auth });
    expect(one.status).toBe(403);
    expect(await one.text()).toContain("interrupted at step charge and waits for a person's decision");
    const all = await fetch(`${d.base}/admin/queues/api/queues/execute/retry/failed`, { method: "PUT", headers: auth });
    expect(all.status).toBe(403);
    expect(await d.execute.getJobState("int-1")).toBe("failed");
  });

  it("titles its job by the record", async () => {
    const res = await fetch(`${d.base}/admin/queues/api/queues?activeQueue=execute&status=failed&page=1`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("⏸ interrupted at step charge: Resume or Roll back on its page");
  });

  it("lets a Retry through once a person decided (decideRun's wake is that retry)", async () => {
    expect((await d.parked.decide("int-1", { kind: "resume", by: "carol", via: "page", at: "2026-12-06T11:00:00.000Z", step: "charge" })).ok).toBe(true);
    const res = await fetch(`${d.base}/admin/queues/api/queues/execute/int-1/retry`, { method: "PUT", headers: auth });
    expect(res.status).toBe(204);
    expect(await d.execute.getJobState("int-1")).toBe("waiting");
  });

  it("lets the bulk retry of failed runs through while runs only wait (a waiting run's job is delayed, not failed) or were decided", async () => {
    // The run the last test retried is not the one this takes.
    await (await d.execute.getJob("int-1"))?.remove();
    await failedRun("failed-2");
    await d.parked.park(init("waiting-3", { kind: "waiting", signal: "approval", step: null, approval: { count: 1 } }));
    const all = await fetch(`${d.base}/admin/queues/api/queues/execute/retry/failed`, { method: "PUT", headers: auth });
    expect(all.status).toBe(200);
    expect(await d.execute.getJobState("failed-2")).toBe("waiting");
  });
});
