import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { schedulerIdOf } from "../../../src/pipeline/run-id.js";
import { startWorkers, type Workers } from "../../../src/pipeline/start-workers.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { repoCatalog } from "../chores/chores-fixtures.js";
import { refOf } from "../../../src/schedules/schedules.js";
import { LIMITS } from "../steps/step-fixtures.js";

// Attack (timing): the hourly digest flush runs on the `schedule` queue's worker, beside the
// triggers, and may take minutes (up to 200 digests committed one after another; the first
// flush after midnight UTC has every schedule's day). With WORKER_CONCURRENCY at its default, 1,
// the worker had one slot: every trigger due meanwhile waited for the flush, late (catchUp none
// then skipped it as missed) and, for BullMQ, one iteration (the ones in between never fire).
describe("a trigger due while the digest flush commits", () => {
  let server: TestRedis;
  let redis: Redis;
  let workers: Workers | null = null;
  let spoolDir: string;
  let cwd: string;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    [spoolDir, cwd] = await Promise.all([mkdtemp(join(tmpdir(), "flush-spool-")), mkdtemp(join(tmpdir(), "flush-cwd-"))]);
  });
  afterAll(async () => {
    await workers?.close(0);
    redis?.disconnect();
    await server?.stop();
    await Promise.all([rm(spoolDir, { recursive: true, force: true }), rm(cwd, { recursive: true, force: true })]);
  });

  it("is triggered on time, not after the flush", async () => {
    const prefix = `{t-${randomUUID().slice(0, 8)}}`;
    const connection = { host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null };
    // A repository with yesterday's digest pending: the flush commits it (GitHub answers slowly).
    const catalogs = new ChoreCatalog(redis, prefix);
    await catalogs.write(repoCatalog("acme", "shop", []), { ticket: await catalogs.ticket("acme", "shop"), basedOn: 0, bundles: new Map() });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await new ScheduleDigests(redis, prefix).add(refOf("acme", "shop", "report"), {
      occurrence: yesterday,
      runId: null,
      attempt: 0,
      status: "skipped",
      startedAt: null,
      durationMs: null,
      counters: {},
      result: null,
      note: "the run of … still goes",
      logPath: null,
    });
    let flushing!: () => void;
    const flushStarted = new Promise<void>((resolve) => (flushing = resolve));
    let answer!: () => void;
    const githubAnswers = new Promise<void>((resolve) => (answer = resolve));

    workers = startWorkers({
      connection,
      redis: { redisUrl: server.url, redisClusterNodes: null },
      prefix,
      concurrency: 1,
      cleanupConcurrency: 1,
      runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
      appSecrets: [],
      githubStepAttempts: 2,
      limits: LIMITS,
      resultWebhook: null,
      lockMs: 5_000,
      retention: { completedMs: 3600_000, failedMs: 3600_000, scheduledMs: 3600_000 },
      spoolDir,
      octokitFor: async () => {
        flushing();
        await githubAnswers;
        throw new Error("GitHub is slow today");
      },
      log: pino({ level: "silent" }),
      schedules: { minIntervalMs: 1_000, maxAttempts: 3 },
    });
    const queue = new Queue("schedule", { connection, prefix });
    const events = new QueueEvents("schedule", { connection, prefix });
    try {
      await events.waitUntilReady();
      await flushStarted;
      // A chore's scheduler fires now (its chore is gone: the trigger drops it at once).
      const id = schedulerIdOf({ owner: "acme", repo: "shop", chore: "purge" });
      const triggered = new Promise<string>((resolve) =>
        events.on("completed", ({ jobId }) => {
          if (jobId.startsWith(`repeat:${id}:`)) resolve(jobId);
        }),
      );
      await queue.upsertJobScheduler(id, { every: 60_000 }, { name: "purge", data: withFormat({ owner: "acme", repo: "shop", chore: "purge" }) });
      const late = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 5_000));
      expect(await Promise.race([triggered, late])).toMatch(new RegExp(`^repeat:${id}:`));
    } finally {
      answer();
      await workers.close(0);
      workers = null;
      await events.close();
      await queue.close();
    }
  }, 30_000);
});
