import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, QueueEvents, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../../src/github/octokit.js";
import type { ProcessResult } from "../../../src/pipeline/job-data.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { queuePush } from "../../../src/pipeline/queue-push.js";
import { startWorkers, type WorkerSettings, type Workers } from "../../../src/pipeline/start-workers.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { ChoreCatalog } from "../../../src/stores/chore-catalog.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS, plainTarget, standInOctokit, startGitHubStandIn, type GitHubStandIn } from "../steps/step-fixtures.js";

let server: TestRedis;
let gh: GitHubStandIn;
let octokit: GitHubClient;
let observer: Redis;
let connection: ConnectionOptions;
beforeAll(async () => {
  [server, gh] = await Promise.all([startRedis(), startGitHubStandIn({ owner: "acme", repo: "widgets" })]);
  octokit = await standInOctokit(gh);
  observer = new Redis(server.url);
  connection = { host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null };
});
afterAll(async () => {
  observer?.disconnect();
  await gh?.close();
  await server?.stop();
});

let prefix: string;
let spoolDir: string;
let workers: Workers | null;
let queues: { discover: Queue; index: Queue; process: Queue };
let events: QueueEvents[];
beforeEach(async () => {
  prefix = `{t-${randomUUID().slice(0, 8)}}`;
  spoolDir = await mkdtemp(join(tmpdir(), "chore-workers-spool-"));
  queues = {
    discover: new Queue("discover", { connection, prefix }),
    index: new Queue("index", { connection, prefix }),
    process: new Queue("process", { connection, prefix }),
  };
  events = ["index", "process", "discover"].map((name) => new QueueEvents(name, { connection, prefix }));
  await Promise.all(events.map((e) => e.waitUntilReady()));
});
afterEach(async () => {
  await workers?.close(0);
  workers = null;
  await Promise.all([...events, ...Object.values(queues)].map((closable) => closable.close()));
  await rm(spoolDir, { recursive: true, force: true });
});

function settings(): WorkerSettings {
  return {
    connection,
    redis: { redisUrl: server.url, redisClusterNodes: null },
    prefix,
    concurrency: 2,
    cleanupConcurrency: 2,
    runner: { scriptCwd: spoolDir, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [],
    githubStepAttempts: 2,
    limits: LIMITS,
    resultWebhook: null,
    lockMs: 5_000,
    retention: { completedMs: 24 * 3600_000, failedMs: 24 * 3600_000, scheduledMs: 24 * 3600_000 },
    spoolDir,
    octokitFor: async () => octokit,
    log: pino({ level: "silent" }),
  };
}

describe("the workers and chores", () => {
  it("index a push's chores in the index worker, and process a chore run from the catalog, not from GitHub", async () => {
    workers = startWorkers(settings());
    const name = `unlock-${randomUUID().slice(0, 6)}`;
    const merged = await gh.mergePullRequest({ files: { [`chores/${name}.ts`]: 'console.log("unlocked");\n' }, approvals: ["bob"] });
    const push = {
      owner: gh.owner,
      repo: gh.repo,
      installationId: gh.installationId,
      defaultBranch: "main",
      before: merged.before,
      after: merged.after,
      forced: false,
    };
    const jobId = await queuePush(queues, push, { githubStepAttempts: 2, retention: settings().retention });
    const indexed = await (await queues.index.getJob(jobId))!.waitUntilFinished(events[0]!);
    expect(indexed).toMatchObject({ head: merged.after, runnable: expect.any(Number) });
    // The push's discover job found no script to run: the chore stays in the repository.
    expect(await (await queues.discover.getJob(jobId))!.waitUntilFinished(events[2]!)).toEqual({ runIds: [] });

    const catalog = new ChoreCatalog(observer, prefix);
    const chore = (await catalog.read(gh.owner, gh.repo))!.chores.find((entry) => entry.name === name)!.runnable!;
    const target = plainTarget(chore.path, {
      owner: gh.owner,
      repo: gh.repo,
      installationId: gh.installationId,
      commit: chore.commit,
      committedAt: chore.committedAt,
      blob: chore.blob,
      pullRequest: null,
      chore: { name, request: { trigger: "ui", requestedBy: "carol", requestedAt: new Date().toISOString(), inputs: {} } },
    });
    const runId = `chore-run-${randomUUID().slice(0, 8)}`;
    const before = gh.requests.length;
    const job = await queues.process.add(chore.path, withFormat({ runId, target }), { jobId: runId });
    const result = (await job.waitUntilFinished(events[1]!)) as ProcessResult;
    expect(result).toMatchObject({ problem: null, provenance: { approvedBy: ["bob"] } });
    expect(await new BundleStore(observer, prefix).load(runId)).toContain("unlocked");
    // A merged script's process asks GitHub for its pull request; a chore's has nothing to ask.
    expect(gh.requests.slice(before)).toEqual([]);
  });
});
