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
import type { ScheduleDescription } from "../../../src/sdk/protocol.js";
import { cleanupStep } from "../../../src/steps/cleanup-step.js";
import { RunOutcomes } from "../../../src/stores/run-outcomes.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { ScheduleStates } from "../../../src/stores/schedule-states.js";
import { plainTarget, standInOctokit, startGitHubStandIn, startStepQueues, type GitHubStandIn, type StepQueues } from "../steps/step-fixtures.js";

// The result webhook's receiver is down (it answers 410 here, at once; a hanging one costs
// each cleanup its four requests' timeouts, times GITHUB_STEP_ATTEMPTS). Every occurrence of a
// schedule posts its final result, so every occurrence's cleanup failed: held the schedule's
// turn through its retries (the next occurrences skipped) and then stayed in Redis for good (a
// failed cleanup is never removed), one a minute for a chore every minute, as long as the
// receiver was down. A try only the digest records is on record once its row is stored.

const SCHEDULE: ScheduleDescription = {
  cron: null,
  everyMs: 60_000,
  timezone: "UTC",
  retries: { attempts: 1, backoff: "fixed", delayMs: 0 },
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
let deliveries: number;
beforeAll(async () => {
  [gh, q] = await Promise.all([startGitHubStandIn({ owner: "acme", repo: "widgets" }), startStepQueues()]);
  octokit = await standInOctokit(gh);
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      deliveries++;
      res.writeHead(410).end();
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
beforeEach(async () => {
  await q.redis.flushall();
  states = new ScheduleStates(q.redis, q.prefix);
  digests = new ScheduleDigests(q.redis, q.prefix);
  outcomes = new RunOutcomes(q.redis, q.prefix);
  deliveries = 0;
  await q.handle(
    "cleanup",
    cleanupStep({
      octokitFor: async () => octokit,
      valuesToRedact: [],
      resultWebhook: { url: webhookUrl, secret: "s" },
      outcome: async (job: Job<CleanupJobData>) => (await outcomes.load(job.data.runId, 1))!,
      bundle: async () => "console.log(1);",
      recorded: async () => undefined,
      alreadyHandled: () => undefined,
      comments: new PullRequestComments(q.redis, q.prefix, 60_000),
      schedules: { states, digests, occurrences: { queue: async () => ({ refused: "unused" }) } },
    }),
  );
});

async function endTry(status: RunStatus, minute: number) {
  const occurrenceMs = OCCURRENCE + minute * 60_000;
  const runId = scheduledRunId(SCHEDULER, occurrenceMs, 1);
  const target: ScriptTarget = plainTarget("chores/sync.ts", {
    pullRequest: null,
    chore: {
      name: "sync",
      request: {
        trigger: "schedule",
        requestedBy: "schedule",
        requestedAt: new Date(occurrenceMs).toISOString(),
        inputs: {},
        schedule: { schedulerId: SCHEDULER, occurrenceMs, attempt: 1, schedule: SCHEDULE },
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
  await states.takeTurn(SCHEDULER, runId);
  const settled = q.settled("cleanup", runId);
  await q.queue("cleanup").add(target.path, withFormat({ runId, target }), { jobId: runId });
  return { runId, run: await settled };
}

describe("attack: the result webhook down while a schedule runs", () => {
  it("a try only the digest records completes its cleanup and frees the turn; the webhook was tried", async () => {
    const { runId, run } = await endTry("succeeded", 0);
    expect(deliveries).toBe(1);
    expect(run.state).toBe("completed");
    expect((run as { value: CleanupResult }).value).toMatchObject({ status: "succeeded", commit: null });
    expect((await states.read(SCHEDULER)).running).toBeNull();
    expect((await digests.read(SCHEDULER, "2026-12-06"))?.rows.map((r) => r.runId)).toEqual([runId]);
  });

  it("a streak's first failure, committed on its own, still fails its cleanup until the result is delivered (BullMQ retries it)", async () => {
    const { run } = await endTry("failed", 1);
    expect(run.state).toBe("failed");
    // Its log is committed: a retry posts the result and commits nothing new.
    expect(await gh.readFile(await gh.head(), `logs/schedules/sync/2026/12/06-${scheduledRunId(SCHEDULER, OCCURRENCE + 60_000, 1)}.md`)).not.toBeNull();
  });
});
