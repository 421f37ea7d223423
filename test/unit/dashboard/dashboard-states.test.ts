import type { Server } from "node:http";
import { RequestError } from "@octokit/request-error";
import { DelayedError, Queue, QueueEvents, UnrecoverableError, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboardHandler } from "../../../src/dashboard/create-dashboard-handler.js";
import { STALLED } from "../../../src/dashboard/explain-failure.js";
import { liveState, progressOf, writeLiveState, type LiveState } from "../../../src/pipeline/live-state.js";
import { QUEUE_NAMES } from "../../../src/pipeline/queues.js";
import { inWords } from "../../../src/steps/step-error.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { basicAuth, serveHandler } from "../../helpers/serve-handler.js";

/**
 * What an operator reads in the dashboard, through the JSON Bull Board's page reads: each
 * kind of job is made by a real worker on a real Redis, as the pipeline's steps leave them.
 */

const auth = basicAuth("ops", "s3cret");
const path = "scripts/2026-11-fix-plans.ts";

/** What a test job's worker does with it. */
type Act = { return: unknown } | { throw: "github-403-in-words" | "github-403-raw" | "stalled" | "already-running" } | { wait: string } | { live: LiveState };

interface AnsweredJob {
  id: string;
  name: string;
  failedReason?: string;
  stacktrace: string[];
  progress: unknown;
  returnValue: unknown;
}

const githubRefusal = () =>
  new RequestError("Resource not accessible by integration - https://docs.github.com/rest/git/refs#update-a-reference", 403, {
    request: { method: "PATCH", url: "https://api.github.com/repos/o/r/git/refs/heads/main", headers: {} },
    response: { status: 403, url: "https://api.github.com/repos/o/r/git/refs/heads/main", headers: {}, data: {} },
  });

describe("the dashboard tells the truth", () => {
  let redis: TestRedis;
  let queues: Queue[];
  let server: Server;
  let base: string;
  const workers: Worker[] = [];
  const events: QueueEvents[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: "127.0.0.1", port: redis.port };
    queues = QUEUE_NAMES.map((name) => new Queue(name, { connection }));
    for (const queue of queues) {
      workers.push(
        new Worker(
          queue.name,
          async (job: Job<{ act: Act }>, token?: string) => {
            const { act } = job.data;
            if ("return" in act) return act.return;
            if ("wait" in act) {
              await writeLiveState(job, { ...liveState(1), waiting: act.wait });
              await job.moveToDelayed(Date.now() + 60_000, token);
              throw new DelayedError();
            }
            if ("live" in act) {
              await writeLiveState(job, act.live);
              await held;
              return null;
            }
            if (act.throw === "github-403-in-words") throw inWords(githubRefusal(), "committing the run log");
            if (act.throw === "github-403-raw") throw githubRefusal();
            if (act.throw === "stalled") throw new UnrecoverableError(STALLED);
            throw Object.assign(new UnrecoverableError("already running: r#1"), { name: "AlreadyRecorded" });
          },
          // Held jobs must not keep the others waiting.
          { connection, concurrency: 10 },
        ),
      );
      const queueEvents = new QueueEvents(queue.name, { connection });
      await queueEvents.waitUntilReady();
      events.push(queueEvents);
    }
    const handler = createDashboardHandler({ queues, user: "ops", password: "s3cret" })!;
    let root: string;
    ({ base: root, server } = await serveHandler(handler));
    base = `${root}/admin/queues`;
  });

  afterAll(async () => {
    release();
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all([...events, ...(queues ?? [])].map((closable) => closable.close()));
    if (server) await new Promise((resolve) => server.close(resolve));
    await redis?.stop();
  });

  const queueOf = (name: string) => queues.find((queue) => queue.name === name)!;
  const eventsOf = (name: string) => events[QUEUE_NAMES.indexOf(name as (typeof QUEUE_NAMES)[number])]!;

  /** Adds a job and waits until its worker is done with it (finished, failed for good, delayed or holding). */
  async function settled(queueName: string, id: string, act: Act, opts: { attempts?: number } = {}): Promise<void> {
    const queueEvents = eventsOf(queueName);
    const done = new Promise<void>((resolve) => {
      const check = ({ jobId }: { jobId: string }) => {
        if (jobId !== id) return;
        void queueOf(queueName)
          .getJobState(id)
          .then((state) => {
            if (state === "completed" || state === "failed" || (state === "delayed" && "wait" in act)) resolve();
          });
      };
      for (const event of ["completed", "failed", "delayed"] as const) queueEvents.on(event, check);
    });
    await queueOf(queueName).add(path, { act }, { jobId: id, attempts: opts.attempts ?? 1, backoff: { type: "fixed", delay: 10 } });
    if ("live" in act) {
      // Held active: wait until its state is written.
      for (let i = 0; i < 200 && typeof (await queueOf(queueName).getJob(id))?.progress !== "object"; i++) await new Promise((r) => setTimeout(r, 25));
      return;
    }
    await done;
  }

  async function answeredJob(queueName: string, id: string): Promise<AnsweredJob> {
    const res = await fetch(`${base}/api/queues/${queueName}/${encodeURIComponent(id)}`, { headers: auth });
    expect(res.status).toBe(200);
    return ((await res.json()) as { job: AnsweredJob }).job;
  }

  async function listed(queueName: string, status: string): Promise<AnsweredJob[]> {
    const res = await fetch(`${base}/api/queues?activeQueue=${queueName}&status=${status}&page=1&jobsPerPage=50`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string; jobs: AnsweredJob[] }[] };
    return body.queues.find((queue) => queue.name === queueName)!.jobs;
  }

  it("lists the queues in pipeline order, each saying what its jobs mean", async () => {
    const res = await fetch(`${base}/api/queues`, { headers: auth });
    const body = (await res.json()) as { queues: { name: string; displayName: string; description: string }[] };
    expect(body.queues.map((queue) => queue.name)).toEqual(["discover", "process", "execute", "cleanup", "index", "schedule"]);
    // The overview sorts by display name: it must read in pipeline order too.
    const displayNames = body.queues.map((queue) => queue.displayName);
    expect(displayNames).toEqual(["1. discover", "2. process", "3. execute", "4. cleanup", "chores: index", "chores: schedule"]);
    expect([...displayNames].sort((a, b) => a.localeCompare(b))).toEqual(displayNames);
    expect(body.queues.find((queue) => queue.name === "execute")!.description).toContain("Completed means the run ended, not that the script succeeded");
  });

  it("shows a script that failed as failed, and one that succeeded as succeeded, in the completed list", async () => {
    const failed = { attempt: 1, runner: "w", status: "failed", exitCode: 1, durationMs: 10, message: "connection refused: db-replica-3:5432" };
    await settled("execute", "run-failed", { return: failed });
    await settled("execute", "run-ok", { return: { ...failed, status: "succeeded", exitCode: 0, message: null } });
    const jobs = await listed("execute", "completed");
    expect(jobs.find((job) => job.id === "run-failed")!.name).toBe(`${path} — ✗ failed: connection refused: db-replica-3:5432`);
    expect(jobs.find((job) => job.id === "run-ok")!.name).toBe(`${path} — ✓ succeeded`);
    // The data tab still has the summary as it is.
    expect((await answeredJob("execute", "run-failed")).returnValue).toEqual(failed);
  });

  it("says which step failed, why and whether Retry is safe, without a stack", async () => {
    await settled("cleanup", "cleanup-failed", { throw: "github-403-in-words" }, { attempts: 2 });
    const cleanup = await answeredJob("cleanup", "cleanup-failed");
    expect(cleanup.failedReason).toBe(
      "Cleanup failed after 2 tries: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log. " +
        "Retry commits the log; the script does not run again.",
    );
    expect(cleanup.stacktrace).toEqual([]);
    expect(cleanup.name).toBe(
      `${path} — ✗ cleanup failed: GitHub answered 403 Forbidden (Resource not accessible by integration) while committing the run log`,
    );
    // The list answers the same.
    const [listedJob] = (await listed("cleanup", "failed")).filter((job) => job.id === "cleanup-failed");
    expect(listedJob!.failedReason).toBe(cleanup.failedReason);
    expect(listedJob!.stacktrace).toEqual([]);
    // Redis keeps what BullMQ stored, for engineers.
    const stored = (await queueOf("cleanup").getJob("cleanup-failed"))!;
    expect(stored.stacktrace).toHaveLength(2);

    await settled("process", "process-failed", { throw: "github-403-raw" });
    const process = await answeredJob("process", "process-failed");
    expect(process.failedReason).toBe(
      "Process failed: GitHub answered with an error (Resource not accessible by integration). Retry fetches and bundles again; nothing has run.",
    );
    expect(process.stacktrace).toEqual([]);
  });

  it("tells a lost run and a refused retry in words, never BullMQ's stalled error", async () => {
    await settled("execute", "run-lost", { throw: "stalled" });
    const lost = await answeredJob("execute", "run-lost");
    expect(lost.failedReason).toMatch(
      /^Execute failed: the worker running it stopped .* recorded as lost; the script may have partly run .* Retry runs the script again in production\.$/,
    );
    expect(JSON.stringify([lost.name, lost.failedReason, lost.stacktrace])).not.toMatch(/stalled|allowable limit|UnrecoverableError/);
    expect(lost.name).toBe(`${path} — ✗ lost: its worker stopped during the run`);

    await settled("execute", "run-refused", { throw: "already-running" });
    const refused = await answeredJob("execute", "run-refused");
    expect(refused.failedReason).toBe(
      "Execute did not start the script: already running: r#1. This attempt is recorded with its own log. Retry runs the script in production, once that run has finished.",
    );
  });

  it("shows a running script's progress and counters, and a ring only when there is a total", async () => {
    await settled("execute", "run-live", { live: { ...liveState(1), ...progressOf(1, 3), counters: { "plans fixed": 40 }, logLines: 1 } });
    const live = await answeredJob("execute", "run-live");
    expect(live.progress).toMatchObject({ summary: "1 of 3 done (33 %) · plans fixed 40 · 1 line logged", progress: 33, counters: { "plans fixed": 40 } });

    await settled("execute", "run-counting", { live: { ...liveState(1), ...progressOf(1500, null) } });
    const counting = await answeredJob("execute", "run-counting");
    expect(counting.progress).toMatchObject({ summary: "1500 done (no total given)", progress: null, done: 1500 });
  });

  it("says why a run waits", async () => {
    await settled("execute", "run-waiting", { wait: "global lock held by r#1" });
    const waiting = (await listed("execute", "delayed")).find((job) => job.id === "run-waiting")!;
    expect(waiting.name).toBe(`${path} — ◷ waiting: global lock held by r#1`);
    expect(waiting.progress).toMatchObject({ summary: "waiting: global lock held by r#1", waiting: "global lock held by r#1" });
  });
});
