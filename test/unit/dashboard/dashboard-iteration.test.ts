import { describe, expect, it } from "vitest";
import { auth, parkedDashboardHarness, parkInit as init } from "./parked-dashboard-harness.js";

const PREFIX = "dash-iteration";

describe("the dashboard and an iteration's parked run", () => {
  const d = parkedDashboardHarness(PREFIX);

  const put = (path: string) => fetch(`${d.base}/admin/queues/api/queues/execute/${path}`, { method: "PUT", headers: auth });

  it("refuses a plain Retry of an interrupted iteration (lost or failed: its job failed) and says Resume, not Roll back", async () => {
    await d.execute.add("run", { script: "scripts/backfill.ts" }, { jobId: "iter-1", attempts: 1 });
    const job = await d.worker.getNextJob("token-iter-1");
    expect(job?.id).toBe("iter-1");
    await job.moveToFailed(new Error("item 137 threw"), "token-iter-1");
    await d.parked.park(init("iter-1", { failure: "item 137 threw" }));
    const one = await put("iter-1/retry");
    expect(one.status).toBe(403);
    const said = await one.text();
    expect(said).toContain("this iteration was interrupted and waits for a person's decision");
    expect(said).toContain("Choose Resume on its page (it goes on from its last checkpoint)");
    expect(said).not.toContain("Roll back");
    expect((await put("retry/failed")).status).toBe(403);
    expect(await d.execute.getJobState("iter-1")).toBe("failed");
  });

  it("leaves a paused run's delayed job alone: no retry, no promote; the bulk retry of failed runs does not touch it", async () => {
    await d.execute.add("run", { script: "scripts/backfill.ts" }, { jobId: "paused-2", delay: 3_600_000 });
    await d.parked.park(init("paused-2", { kind: "paused" }));
    expect((await put("paused-2/retry")).status).toBe(403);
    expect((await put("paused-2/promote")).status).toBe(403);
    expect(await d.execute.getJobState("paused-2")).toBe("delayed");
  });
});
