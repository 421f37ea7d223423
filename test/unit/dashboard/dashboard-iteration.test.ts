import type { Server } from "node:http";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { ParkedRuns, type ParkInit } from "../../../src/stores/parked-runs.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";

const auth = basicAuth("ops", "s3cret");
const PREFIX = "dash-iteration";

function init(runId: string, over: Partial<ParkInit>): ParkInit {
  return {
    runId,
    kind: "interrupted",
    owner: "acme",
    repo: "ops",
    chore: null,
    since: "2026-12-06T10:00:00.000Z",
    attempt: 1,
    signal: null,
    step: null,
    deadline: null,
    pullRequest: null,
    requestedBy: null,
    approval: null,
    ...over,
  };
}

describe("the dashboard and an iteration's parked run", () => {
  let redis: TestRedis;
  let client: Redis;
  let execute: Queue;
  let worker: Worker;
  let server: Server;
  let base: string;
  let parked: ParkedRuns;

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    client = new Redis({ ...connection, maxRetriesPerRequest: null });
    execute = new Queue("execute", { connection, prefix: PREFIX });
    worker = new Worker("execute", null, { connection, prefix: PREFIX });
    parked = new ParkedRuns(client, PREFIX);
    ({ base, server } = await serveHandler(createDashboardHandler({ queues: [execute], user: "ops", password: "s3cret", parked })));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await worker?.close();
    await execute?.close();
    client?.disconnect();
    await redis?.stop();
  });

  const put = (path: string) => fetch(`${base}/admin/queues/api/queues/execute/${path}`, { method: "PUT", headers: auth });

  it("refuses a plain Retry of an interrupted iteration (lost or failed: its job failed) and says Resume, not Roll back", async () => {
    await execute.add("run", { script: "scripts/backfill.ts" }, { jobId: "iter-1", attempts: 1 });
    const job = await worker.getNextJob("token-iter-1");
    expect(job?.id).toBe("iter-1");
    await job.moveToFailed(new Error("item 137 threw"), "token-iter-1");
    await parked.park(init("iter-1", { failure: "item 137 threw" }));
    const one = await put("iter-1/retry");
    expect(one.status).toBe(403);
    const said = await one.text();
    expect(said).toContain("this iteration was interrupted and waits for a person's decision");
    expect(said).toContain("Choose Resume on its page (it goes on from its last checkpoint)");
    expect(said).not.toContain("Roll back");
    expect((await put("retry/failed")).status).toBe(403);
    expect(await execute.getJobState("iter-1")).toBe("failed");
  });

  it("leaves a paused run's delayed job alone: no retry, no promote; the bulk retry of failed runs does not touch it", async () => {
    await execute.add("run", { script: "scripts/backfill.ts" }, { jobId: "paused-2", delay: 3_600_000 });
    await parked.park(init("paused-2", { kind: "paused" }));
    expect((await put("paused-2/retry")).status).toBe(403);
    expect((await put("paused-2/promote")).status).toBe(403);
    expect(await execute.getJobState("paused-2")).toBe("delayed");
  });
});
