import type { Server } from "node:http";
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";

const auth = basicAuth("ops", "s3cret");
const SCHEDULER = "sched-acme.shop-purge-sessions-0a1b2c3d";
const REFUSED = "chorebot's dashboard only retries failed jobs";

// Bull Board 9.10.1's routes (node_modules/@bull-board/api/dist/routes.js) that would change a
// job scheduler or start a scheduled trigger before its time: all refused by the guard's list of
// allowed writes, each checked here against a real scheduler on a real Redis.
describe("the dashboard and chores' job schedulers", () => {
  let redis: TestRedis;
  let schedule: Queue;
  let server: Server;
  let base: string;
  let delayedId: string;

  beforeAll(async () => {
    redis = await startRedis();
    schedule = new Queue("schedule", { connection: { host: "127.0.0.1", port: redis.port } });
    // A nightly schedule: its next trigger waits, delayed, until 03:00.
    await schedule.upsertJobScheduler(
      SCHEDULER,
      { pattern: "0 3 * * *" },
      { name: "trigger", data: { format: 5, owner: "acme", repo: "shop", chore: "purge-sessions" } },
    );
    const [delayed] = await schedule.getDelayed();
    delayedId = delayed!.id!;
    ({ base, server } = await serveHandler(createDashboardHandler({ queues: [schedule], user: "ops", password: "s3cret" })));
  });

  afterAll(async () => {
    await schedule?.close();
    if (server) await new Promise((resolve) => server.close(resolve));
    await redis?.stop();
  });

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${base}/admin/queues/api/${path}`, {
      method,
      headers: { ...auth, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("lists the scheduler (reads pass), so the refusals below are the guard's, not unknown routes", async () => {
    const res = await api("GET", "job-schedulers");
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain(SCHEDULER);
  });

  it("presents the schedule queue after the index, saying what its triggers are and what Retry does", async () => {
    const body = (await (await api("GET", "queues")).json()) as { queues: Array<{ name: string; displayName: string; description: string }> };
    const queue = body.queues.find(({ name }) => name === "schedule")!;
    expect(queue.displayName).toBe("chores: schedule");
    expect("chores: index".localeCompare(queue.displayName)).toBe(-1);
    expect(queue.description).toContain("Retry queues the occurrence's run if it is not queued yet, never a second one");
  });

  it("refuses to edit, remove or run a job scheduler, and to promote, re-time or re-rank its delayed trigger", async () => {
    const before = await schedule.getJobScheduler(SCHEDULER);
    const attempts: Array<[string, string, unknown?]> = [
      ["PATCH", `queues/schedule/job-schedulers/${SCHEDULER}`, { repeat: { every: 1000 } }],
      ["PUT", `queues/schedule/job-schedulers/${SCHEDULER}/remove`],
      ["PUT", `queues/schedule/job-schedulers/${SCHEDULER}/run`],
      ["PUT", `queues/schedule/${delayedId}/promote`],
      ["PUT", "queues/schedule/promote"],
      ["PATCH", `queues/schedule/${delayedId}/delay`, { delay: 0 }],
      ["PATCH", `queues/schedule/${delayedId}/priority`, { priority: 1 }],
      ["PATCH", `queues/schedule/${delayedId}/update-data`, { jobData: { format: 5, owner: "acme", repo: "shop", chore: "other" } }],
      ["POST", "queues/schedule/add", { name: "trigger", data: { format: 5, owner: "acme", repo: "shop", chore: "purge-sessions" }, options: {} }],
      ["PUT", "queues/schedule/empty"],
      ["PUT", "queues/schedule/obliterate"],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api(method, path, body);
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 403 });
      expect(await res.text()).toContain(REFUSED);
    }
    // The scheduler as it was, its trigger still waiting for its time, nothing else queued.
    expect(await schedule.getJobScheduler(SCHEDULER)).toEqual(before);
    expect(await schedule.getJobState(delayedId)).toBe("delayed");
    expect((await schedule.getJob(delayedId))!.data).toEqual({ format: 5, owner: "acme", repo: "shop", chore: "purge-sessions" });
    expect(await schedule.getJobCounts("waiting", "delayed", "prioritized")).toEqual({ waiting: 0, delayed: 1, prioritized: 0 });
  });

  it("lets a failed trigger be retried (the trigger queues its occurrence's run under a deterministic id: a retry adds no second run)", async () => {
    const connection = { host: "127.0.0.1", port: redis.port };
    const failing = new Queue("schedule", { connection, prefix: "other" });
    const worker = new Worker("schedule", async () => Promise.reject(new Error("Redis hiccup")), { connection, prefix: "other", autorun: false });
    const { server: other, base: otherBase } = await serveHandler(createDashboardHandler({ queues: [failing], user: "ops", password: "s3cret" }));
    try {
      const job = await failing.add("trigger", { format: 5, owner: "acme", repo: "shop", chore: "purge-sessions" }, { jobId: "trigger-1" });
      const failed = new Promise((resolve) => worker.once("failed", resolve));
      worker.run().catch(() => undefined);
      await failed;
      await worker.pause();
      expect(await job.getState()).toBe("failed");
      const res = await fetch(`${otherBase}/admin/queues/api/queues/schedule/trigger-1/retry`, { method: "PUT", headers: auth });
      expect(res.status).toBe(204);
      expect(await job.getState()).toBe("waiting");
    } finally {
      await worker.close();
      await failing.close();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
