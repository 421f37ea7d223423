import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Job } from "bullmq";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { PullRequestComments } from "../../../src/notify/pull-request-comments.js";
import type { CleanupJobData, CleanupResult, ExecuteResult } from "../../../src/pipeline/job-data.js";
import { withFormat } from "../../../src/pipeline/job-format.js";
import { scheduledRunId, schedulerIdOf } from "../../../src/pipeline/run-id.js";
import type { RunStatus, ScriptTarget } from "../../../src/run-types.js";
import type { OccurrenceRuns } from "../../../src/schedules/schedule-types.js";
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { cleanupStep } from "../../../src/steps/cleanup-step.js";
import { RunLogBatcher } from "../../../src/steps/run-log-batcher.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { plainTarget, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "../steps/step-fixtures.js";

// The scheduled branch of the cleanup step against the GitHub stand-in and real stores: what a
// try's end commits, posts and frees.

const SCHEDULE: ScheduleDescription = {
  cron: null,
  everyMs: 60_000,
  timezone: "UTC",
  retries: { attempts: 2, backoff: "fixed", delayMs: 1000 },
  retryOn: ["failed"],
  overlap: "skip",
  catchUp: "latest",
  inputs: {},
};
const SCHEDULER = schedulerIdOf({ owner: "acme", repo: "widgets", chore: "sync" });
const OCCURRENCE = Date.parse("2026-12-06T10:00:00Z");

let gh: GitHubStandIn;
let q: StepQueues;
let octokit: GitHubClient;
let server: Server;
let webhookUrl: string;
let deliveries: Array<Record<string, unknown>>;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      deliveries.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/results`;
});
afterAll(async () => {
  server?.close();
  await q?.close();
  await gh?.close();
});
afterEach(() => q.reset());

let states: ScheduleStates;
let digests: ScheduleDigests;
let outcomes: RunOutcomes;
let queued: Array<{ attempt: number; delayMs: number }>;
let told: { recorded: string[]; dropped: string[]; finished: CleanupResult[] };
beforeEach(async () => {
  await q.redis.flushall();
  states = new ScheduleStates(q.redis, q.prefix);
  digests = new ScheduleDigests(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  queued = [];
  deliveries = [];
  told = { recorded: [], dropped: [], finished: [] };
  await q.handle("cleanup", step());
});

function step() {
  const occurrences: OccurrenceRuns = {
    async queue(ref, o, delayMs) {
      queued.push({ attempt: o.attempt, delayMs });
      return { runId: scheduledRunId(ref.schedulerId, o.occurrenceMs, o.attempt) };
    },
  };
  // As the workers wire it: the batcher is what puts a first failure and its digest in one commit.
  const batcher = new RunLogBatcher();
  return cleanupStep({
    octokitFor: async () => octokit,
    commitLog: (client, change) => batcher.commit(client, change),
    valuesToRedact: [],
    resultWebhook: { url: webhookUrl, secret: "s" },
    recordFinished: async (result) => void told.finished.push(result),
    outcome: async (job: Job<CleanupJobData>) => (await outcomes.load(job.data.runId, 1))!,
    bundle: async () => "console.log(1);",
    recorded: async (runId) => void told.recorded.push(runId),
    alreadyHandled: () => undefined,
    comments: new PullRequestComments(q.redis, q.prefix, 60_000),
    inputs: { drop: async (runId) => void told.dropped.push(runId) },
    schedules: { states, digests, occurrences },
  });
}

/** Ends try `attempt` of the occurrence with `status` through a real cleanup job. */
async function endTry(attempt: number, status: RunStatus, minute = 0) {
  const occurrenceMs = OCCURRENCE + minute * 60_000;
  const runId = scheduledRunId(SCHEDULER, occurrenceMs, attempt);
  const target: ScriptTarget = plainTarget("chores/sync.ts", {
    pullRequest: null,
    chore: {
      name: "sync",
      request: {
        trigger: "schedule",
        requestedBy: "schedule",
        requestedAt: new Date(occurrenceMs).toISOString(),
        inputs: {},
        schedule: { schedulerId: SCHEDULER, occurrenceMs, attempt, schedule: SCHEDULE },
      },
    },
  });
  const outcome: ExecuteResult = {
    process: {
      provenance: { pullRequest: null, approvedBy: ["bob"], refusal: null },
      problem: null,
      alreadyHandled: null,
    } as unknown as ExecuteResult["process"],
    execution: {
      status,
      exitCode: status === "succeeded" ? 0 : 1,
      signal: null,
      startedAt: new Date(occurrenceMs + 10).toISOString(),
      finishedAt: new Date(occurrenceMs + 1010).toISOString(),
      durationMs: 1000,
      output: { lines: [], omittedBytes: 0, omittedAt: null },
      message: status === "succeeded" ? null : "boom",
    },
    runner: "worker-1",
    attempt: 1,
  };
  await outcomes.save(runId, outcome);
  const data: CleanupJobData = withFormat({ runId, target });
  const settled = q.settled("cleanup", runId);
  await q.queue("cleanup").add(target.path, data, { jobId: runId });
  const run = await settled;
  if (run.state !== "completed") throw run.error;
  return { runId, result: run.value as CleanupResult };
}

describe("cleanup of a scheduled try", () => {
  it("queues the retry, commits nothing, posts nothing and keeps the schedule's turn; the housekeeping still happens", async () => {
    await states.takeTurn(SCHEDULER, scheduledRunId(SCHEDULER, OCCURRENCE, 1));
    const before = await gh.head();
    const { runId, result } = await endTry(1, "failed");
    expect(queued).toEqual([{ attempt: 2, delayMs: 1000 }]);
    expect(await gh.head()).toBe(before);
    expect(deliveries).toEqual([]);
    expect(result).toMatchObject({ commit: null, status: "failed", logPath: "logs/schedules/sync/2026/12/06.md" });
    expect((await states.read(SCHEDULER)).running).toBe(runId);
    expect(told).toEqual({ recorded: [runId], dropped: [runId], finished: [result] });
  });

  it("commits the streak's first failure with the day's digest in one commit, posts the final result as the schedule's, and frees the turn", async () => {
    await states.takeTurn(SCHEDULER, scheduledRunId(SCHEDULER, OCCURRENCE, 1));
    await endTry(1, "failed");
    const before = await gh.head();
    const { runId, result } = await endTry(2, "failed");
    const head = await gh.head();
    expect((await gh.commits())[0]!.parents).toEqual([before]);
    const own = `logs/schedules/sync/2026/12/06-${runId}.md`;
    expect(result).toMatchObject({ commit: head, logPath: own });
    expect(await gh.readFile(head, own)).toContain("schedule_attempt: 2");
    const digest = (await gh.readFile(head, "logs/schedules/sync/2026/12/06.md"))!;
    expect(digest).toContain("retried: try 2 of 2 in 1.0 s");
    expect(digest).toContain(`[log](06-${runId}.md)`);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ run_id: runId, trigger: "schedule", requested_by: null, status: "failed" });
    expect((await states.read(SCHEDULER)).running).toBeNull();
  });

  it("commits an interrupted try's log on its own and keeps the turn: no retry, no digest row, its inputs kept, until a person's Resume or Roll back ends it", async () => {
    await states.takeTurn(SCHEDULER, scheduledRunId(SCHEDULER, OCCURRENCE, 1));
    const before = await gh.head();
    const { runId, result } = await endTry(1, "interrupted");
    expect(result.commit).not.toBeNull();
    expect(await gh.head()).not.toBe(before);
    expect(await gh.readFile(result.commit!, result.logPath)).toContain("status: interrupted");
    expect(queued).toEqual([]);
    expect(await digests.read(SCHEDULER, "2026-12-06")).toBeNull();
    expect(await states.runCounts()).toEqual({});
    expect((await states.read(SCHEDULER)).running).toBe(runId);
    expect(told.dropped).toEqual([]);
  });

  it("records a success outside a streak in the digest only, posts it pointing at the digest, and frees the turn", async () => {
    await states.takeTurn(SCHEDULER, scheduledRunId(SCHEDULER, OCCURRENCE, 1));
    const before = await gh.head();
    const { runId, result } = await endTry(1, "succeeded");
    expect(await gh.head()).toBe(before);
    expect(result).toMatchObject({ commit: null, status: "succeeded", logPath: "logs/schedules/sync/2026/12/06.md" });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ run_id: runId, trigger: "schedule", requested_by: null, status: "succeeded" });
    expect(deliveries[0]!.log_url).toMatch(/\/blob\/main\/logs\/schedules\/sync\/2026\/12\/06\.md$/);
    expect((await states.read(SCHEDULER)).running).toBeNull();
    expect((await digests.read(SCHEDULER, "2026-12-06"))?.rows.map((r) => r.runId)).toEqual([runId]);
  });
});
