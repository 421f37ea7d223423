/**
 * What the step tests share: a throwaway Redis, real BullMQ queues whose workers run the step
 * under test (or a stand-in for a neighbouring step), the GitHub stand-in (a real git
 * repository behind GitHub's REST shapes) with an Octokit for it, and a run target as
 * discover would queue it.
 */
import { randomUUID } from "node:crypto";
import { FlowProducer, Queue, Worker, type ConnectionOptions, type FlowJob, type Job } from "bullmq";
import { Redis } from "ioredis";
import { gitBlobSha } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { defaultRepoConfig, type RepoConfig } from "../../../src/github/repo-config.js";
import type { ProcessResult, RunJobData } from "../../../src/pipeline/job-data.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { runIdFor } from "../../../src/pipeline/run-id.js";
import type { ScriptTarget } from "../../../src/run-types.js";
import { startGitHubStandIn, type FileContent, type GitHubStandIn } from "../../github-stand-in/index.js";
import { fakeAppJwt } from "../../github-stand-in/test-client.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";
import { TestOctokit } from "../../helpers/test-probot.js";

export const LIMITS = { minApprovals: 1, maxTimeoutMs: 900_000, minChorePermission: "write" as const };

export type Processor = (job: Job, token?: string) => Promise<unknown>;

/** How a job ended, as its worker saw it. */
export type Settled = { state: "completed"; job: Job; value: unknown } | { state: "failed"; job: Job; error: Error };

/**
 * Real BullMQ queues on a throwaway Redis. Each queue's worker runs whatever `handle` set
 * for it; `settled` resolves when a job ends (completed, or failed for good).
 */
export interface StepQueues {
  connection: ConnectionOptions;
  prefix: string;
  /** A plain client for the stores under test. */
  redis: Redis;
  flows: FlowProducer;
  queue(name: string): Queue;
  /** Sets what the worker of queue `name` does with its jobs, and starts that worker. */
  handle(name: string, processor: Processor, options?: { concurrency?: number; lockDuration?: number }): Promise<Worker>;
  /** Resolves once job `id` of queue `name` has completed or failed for good; call it before the job can end. */
  settled(name: string, id: string): Promise<Settled>;
  /** Stops the workers and queues (the Redis stays up for the next test). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startStepQueues(): Promise<StepQueues> {
  const server: TestRedis = await startRedis();
  const connection: ConnectionOptions = { host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null };
  const redis = new Redis(server.url);
  let prefix = `{t-${randomUUID().slice(0, 8)}}`;
  let flows = new FlowProducer({ connection, prefix });
  let queues = new Map<string, Queue>();
  let workers: Worker[] = [];
  let waiters: { name: string; id: string; resolve: (s: Settled) => void }[] = [];
  const notify = (name: string, settled: Settled) => {
    const matching = waiters.filter((w) => w.name === name && w.id === settled.job.id);
    waiters = waiters.filter((w) => !matching.includes(w));
    for (const w of matching) w.resolve(settled);
  };
  const queue = (name: string) => {
    let found = queues.get(name);
    if (!found) queues.set(name, (found = new Queue(name, { connection, prefix })));
    return found;
  };
  const stop = async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all([flows.close(), ...[...queues.values()].map((q) => q.close())]);
    workers = [];
    queues = new Map();
    waiters = [];
  };
  return {
    connection,
    get prefix() {
      return prefix;
    },
    redis,
    get flows() {
      return flows;
    },
    queue,
    async handle(name, processor, options = {}) {
      // Only the options given: BullMQ passes an explicit `undefined` on to its Lua scripts.
      const { concurrency = 4, ...rest } = options;
      const worker = new Worker(name, processor, { connection, prefix, concurrency, ...rest });
      worker.on("completed", (job: Job, value: unknown) => notify(name, { state: "completed", job, value }));
      worker.on("failed", (job: Job | undefined, error: Error) => {
        // A job with attempts left goes back to wait (or delayed): only a failure for good settles it.
        if (!job) return;
        void job.getState().then(
          (state) => state === "failed" && notify(name, { state: "failed", job, error }),
          () => undefined,
        );
      });
      await worker.waitUntilReady();
      workers.push(worker);
      return worker;
    },
    settled(name, id) {
      return new Promise((resolve) => waiters.push({ name, id, resolve }));
    },
    async reset() {
      await stop();
      // A new prefix per test: nothing one test left in Redis is seen by the next.
      prefix = `{t-${randomUUID().slice(0, 8)}}`;
      flows = new FlowProducer({ connection, prefix });
    },
    async close() {
      await stop();
      redis.disconnect();
      await server.stop();
    },
  };
}

/** An installation's Octokit for the stand-in, as Probot would make it (no retries, no throttling). */
export async function standInOctokit(gh: GitHubStandIn): Promise<GitHubClient> {
  const issued = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${fakeAppJwt()}`, accept: "application/vnd.github+json" },
  });
  if (issued.status !== 201) throw new Error(`the stand-in issued no token (${issued.status})`);
  const { token } = (await issued.json()) as { token: string };
  return new TestOctokit({ auth: { token }, baseUrl: gh.baseUrl });
}

export { startGitHubStandIn, type FileContent, type GitHubStandIn };

/** The target discover queues for `path` of a pull request merged on the stand-in. */
export function mergedTarget(
  gh: GitHubStandIn,
  merged: { number: number; before: string; after: string; headSha: string },
  path: string,
  source: string,
  over: Omit<Partial<ScriptTarget>, "config"> & { config?: Partial<RepoConfig> } = {},
): ScriptTarget {
  const pull = gh.pullRequest(merged.number);
  const { config, ...rest } = over;
  return {
    owner: gh.owner,
    repo: gh.repo,
    installationId: gh.installationId,
    defaultBranch: gh.defaultBranch,
    commit: merged.after,
    committedAt: new Date().toISOString(),
    path,
    blob: gitBlobSha(source),
    pullRequest: {
      number: merged.number,
      title: pull.title,
      url: `${gh.baseUrl.replace(/\/api\/v3$/, "")}/${gh.owner}/${gh.repo}/pull/${merged.number}`,
      author: pull.user,
      headSha: merged.headSha,
      mergeCommit: merged.after,
      baseCommit: merged.before,
    },
    refusal: null,
    config: { ...defaultRepoConfig(LIMITS), ...config },
    configError: null,
    ...rest,
  };
}

/** A target with no GitHub behind it (execute never asks GitHub for attempt 1). */
export function plainTarget(path: string, over: Omit<Partial<ScriptTarget>, "config"> & { config?: Partial<RepoConfig> } = {}): ScriptTarget {
  const { config, ...rest } = over;
  return {
    owner: "acme",
    repo: "widgets",
    installationId: 1,
    defaultBranch: "main",
    commit: randomUUID().replace(/-/g, "").padEnd(40, "0"),
    committedAt: "2026-12-01T10:00:00Z",
    path,
    blob: "b".repeat(40),
    pullRequest: {
      number: 7,
      title: "Fix",
      url: "https://github.example/acme/widgets/pull/7",
      author: "alice",
      headSha: "h".repeat(40),
      mergeCommit: "m".repeat(40),
      baseCommit: "a".repeat(40),
    },
    refusal: null,
    config: { ...defaultRepoConfig(LIMITS), ...config },
    configError: null,
    ...rest,
  };
}

/** The job data every step of the run of `target` carries. */
export function runData(target: ScriptTarget): RunJobData {
  return withFormat({ runId: runIdFor(target), target });
}

/** A flow node of queue `queueName` for the run, with the given children. */
export function flowNode(queueName: string, data: RunJobData, children: FlowJob[] = [], opts: FlowJob["opts"] = {}): FlowJob {
  return { name: data.target.path, queueName, data, opts: { jobId: data.runId, ...opts }, children };
}

/** What the process step returns for a script of `pullRequest` that bob approved, with nothing amiss; `over` replaces fields. */
export function approvedByBob(pullRequest: NonNullable<ProcessResult["provenance"]["pullRequest"]>, over: Partial<ProcessResult> = {}): ProcessResult {
  return {
    provenance: { pullRequest, approvedBy: ["bob"], refusal: null },
    alreadyHandled: null,
    description: null,
    problem: null,
    ...over,
  };
}
