import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlowProducer, Job, Queue, QueueEvents, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { enqueueRuns } from "../../../src/pipeline/enqueue-run.js";
import type { CleanupResult, ExecuteSummary } from "../../../src/pipeline/job-data.js";
import { cleanupJobId, executeJobId } from "../../../src/pipeline/run-id.js";
import { startWorkers, type WorkerSettings, type Workers } from "../../../src/pipeline/start-workers.js";
import { parseRunLog } from "../../../src/runlog/parse-run-log.js";
import { targetLogPath } from "../../../src/runlog/target-log-path.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { BundleStore } from "../../../src/stores/bundle-store.js";
import { ExecutionLedger } from "../../../src/stores/execution-ledger.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { LIMITS, mergedTarget, standInOctokit, startGitHubStandIn, type GitHubStandIn } from "../steps/step-fixtures.js";

const SECRET = "app-s3cret-Kx71pQz";

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
let cwd: string;
let workers: Workers | null;
let flows: FlowProducer;
let queues: Record<"execute" | "cleanup", Queue>;
let events: QueueEvents;
beforeEach(async () => {
  prefix = `{t-${randomUUID().slice(0, 8)}}`;
  [spoolDir, cwd] = await Promise.all([mkdtemp(join(tmpdir(), "start-workers-spool-")), mkdtemp(join(tmpdir(), "start-workers-cwd-"))]);
  flows = new FlowProducer({ connection, prefix });
  queues = { execute: new Queue("execute", { connection, prefix }), cleanup: new Queue("cleanup", { connection, prefix }) };
  events = new QueueEvents("cleanup", { connection, prefix });
  await events.waitUntilReady();
});
afterEach(async () => {
  await workers?.close(0);
  workers = null;
  await Promise.all([flows.close(), events.close(), ...Object.values(queues).map((queue) => queue.close())]);
  await Promise.all([rm(spoolDir, { recursive: true, force: true }), rm(cwd, { recursive: true, force: true })]);
});

function settings(): WorkerSettings {
  return {
    connection,
    redis: { redisUrl: server.url, redisClusterNodes: null },
    prefix,
    concurrency: 2,
    cleanupConcurrency: 2,
    runner: { scriptCwd: cwd, scriptEnv: [], scriptEnvValues: [], timeoutMs: 20_000, outputLimit: 64 * 1024, workflowStateLimit: 1024 * 1024 },
    appSecrets: [SECRET],
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

/** A script merged with an approval on the stand-in. */
async function merged(name: string, source: string): Promise<ScriptTarget> {
  const path = `scripts/${name}-${randomUUID().slice(0, 6)}.ts`;
  const pull = await gh.mergePullRequest({ files: { [path]: source }, author: "alice", approvals: ["bob"] });
  return mergedTarget(gh, pull, path, source);
}

/** Resolves with the return value of cleanup job `id` once it completed; rejects if it failed. */
function cleanupFinished(id: string): Promise<CleanupResult> {
  return new Promise((resolve, reject) => {
    const completed = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      if (jobId !== id) return;
      events.off("completed", completed);
      events.off("failed", failed);
      resolve((typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as CleanupResult);
    };
    const failed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (jobId !== id) return;
      // A GitHub step may be retried; only its last attempt decides.
      void queues.cleanup.getJobState(id).then((state) => state === "failed" && reject(new Error(`cleanup ${id} failed: ${failedReason}`)));
    };
    events.on("completed", completed);
    events.on("failed", failed);
  });
}

const logOf = async (target: ScriptTarget, attempt: number) => {
  const text = await gh.readFile("main", targetLogPath(target, attempt));
  if (text === undefined) throw new Error(`no log of attempt ${attempt}`);
  return { text, frontMatter: parseRunLog(text).frontMatter };
};

describe("startWorkers", () => {
  it("takes a queued run through process, execute and cleanup; a person's retry gets its own refusal and log", async () => {
    workers = startWorkers(settings());
    const target = await merged("through", `console.log("ran with ${SECRET}");\n`);
    const [runId] = await enqueueRuns(flows, [target], { githubStepAttempts: 2 });
    const recorded = cleanupFinished(cleanupJobId(runId!, 1));
    expect(await recorded).toMatchObject({ script: target.path, status: "succeeded", commit: await gh.head() });

    const log = await logOf(target, 1);
    expect(log.frontMatter).toMatchObject({ status: "succeeded", approved_by: ["bob"] });
    expect(log.text).toContain("ran with [REDACTED]");
    expect(log.text).not.toContain(SECRET);
    expect(await gh.readFile("main", target.path)).toBeUndefined();
    // The run has its result for good: its bundle is gone from Redis, its ledger says attempt 1.
    expect(await new BundleStore(observer, prefix).load(runId!)).toBeNull();
    expect(await new ExecutionLedger(observer, prefix).read(runId!)).toMatchObject({ attempt: 1, resultAttempt: 1 });
    const execute = (await Job.fromId<unknown, ExecuteSummary>(queues.execute, executeJobId(runId!)))!;
    expect(execute.returnvalue).toMatchObject({ attempt: 1, status: "succeeded" });
    expect(JSON.stringify(execute.returnvalue)).not.toContain("ran with");

    // Retried behind the dashboard's back: refused, recorded by a cleanup job of its own.
    const retried = cleanupFinished(cleanupJobId(runId!, 2));
    await execute.retry("completed");
    expect(await retried).toMatchObject({ status: "refused" });
    const second = await logOf(target, 2);
    expect(second.frontMatter).toMatchObject({ status: "refused" });
    expect(second.text).toContain("a finished run never runs again");
  });

  it("on close, stops a script still running after the grace period, records it as cancelled and commits its log first, and leaves no connection", async () => {
    const before = await clientCount();
    const { port, started, close } = await announcer();
    try {
      workers = startWorkers(settings());
      const target = await merged("hangs", `await fetch("http://127.0.0.1:${port}/started");\nsetInterval(() => {}, 1000);\n`);
      const [runId] = await enqueueRuns(flows, [target], { githubStepAttempts: 2 });
      const recorded = cleanupFinished(cleanupJobId(runId!, 1));
      await started;

      const closing = workers.close(100);
      workers = null;
      await closing;
      // By the time close resolves, the log is committed.
      const log = await logOf(target, 1);
      expect(log.frontMatter).toMatchObject({ status: "cancelled" });
      expect(log.text).toContain("the worker shut down before the script finished");
      expect(await recorded).toMatchObject({ status: "cancelled" });
      expect(await clientCount()).toBe(before);
    } finally {
      close();
    }
  });

  it("on close, waits for a stopped workflow's rollbacks, longer than a plain script's stop, and records it rolled_back", async () => {
    const { port, started, close } = await announcer();
    try {
      workers = startWorkers(settings());
      const marker = join(cwd, "released");
      const target = await merged(
        "rolls-back-slowly",
        `import { writeFileSync } from "node:fs";
import { defineWorkflow, step } from "chorebot";
export default defineWorkflow({
  state: {},
  steps: [
    step({
      name: "reserve",
      timeout: "30s",
      run() {},
      // Longer than SCRIPT_STOP_MS, the time a plain script gets once the grace is over.
      rollback: () => new Promise<void>((resolve) => setTimeout(() => { writeFileSync(${JSON.stringify(marker)}, "yes"); resolve(); }, 8_000)),
    }),
    step({
      name: "wait",
      async run(_state, { signal }) {
        await fetch("http://127.0.0.1:${port}/started");
        await new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("stopped")), { once: true }));
      },
    }),
  ],
});
`,
      );
      const [runId] = await enqueueRuns(flows, [target], { githubStepAttempts: 2 });
      const recorded = cleanupFinished(cleanupJobId(runId!, 1));
      await started;

      const closing = workers.close(100);
      workers = null;
      expect((await closing).unrecorded).toEqual([]);
      expect(await readFile(marker, "utf8")).toBe("yes");
      const log = await logOf(target, 1);
      expect(log.frontMatter).toMatchObject({ status: "rolled_back", failed_step: "wait" });
      expect(await recorded).toMatchObject({ status: "rolled_back" });
    } finally {
      close();
    }
  });
});

/** A local server a script calls to say it has started: `started` resolves on its first request. */
async function announcer() {
  const server = createServer((_req, res) => res.end("ok"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, started: once(server, "request"), close: () => server.close() };
}

/** Connections the Redis has now (the test's own observer, flow producer, queues and queue events included). */
async function clientCount(): Promise<number> {
  const list = (await observer.client("LIST")) as string;
  return list.trim().split("\n").length;
}
