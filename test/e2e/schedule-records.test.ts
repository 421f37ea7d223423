import { Job } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Probot } from "probot";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitRunLog } from "../../src/github/commit-run-log.js";
import type { RunJobData } from "../../src/pipeline/job-data.js";
import { schedulerIdOf, scheduledRunId } from "../../src/pipeline/run-id.js";
import { digestStep } from "../../src/schedules/digest-step.js";
import { ChoreCatalog } from "../../src/stores/chore-catalog.js";
import { ScheduleDigests } from "../../src/stores/schedule-digests.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { startHarness, type Harness } from "./harness.js";
import { pushJobs } from "./push-jobs.js";

// What a scheduled chore leaves in the repository, end to end: the real app and its workers,
// BullMQ's job scheduler every 2 s, one retry 1 s after a failure, the GitHub stand-in's git
// repository. The chore asks the beacon whether to fail; the test turns it from "fail" to "ok".

const CHORE = `import { appendFileSync } from "node:fs";
import { defineScript } from "chorebot";
export default defineScript({
  description: "syncs with a flaky upstream",
  env: ["SIDE_EFFECTS", "BEACON"],
  schedule: { every: "2s", retries: { attempts: 2, delay: "1s" } },
  async run({ counter }) {
    const mode = await (await fetch(process.env.BEACON + "/flaky")).text();
    appendFileSync(process.env.SIDE_EFFECTS!, "flaky-" + mode + "\\n");
    counter.inc("calls");
    if (mode === "fail") throw new Error("the upstream said no");
    return { mode };
  },
});
`;

let h: Harness;
let redis: Redis;
let prefix: string;
let probot: Probot;
const { finished: pushJob, close: closePushJobs } = pushJobs(() => h);
const schedulerId = () => schedulerIdOf({ owner: h.gh.owner, repo: h.gh.repo, chore: "flaky" });

async function until<T>(what: string, check: () => Promise<T | false>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The schedule's files on the default branch: the tries committed on their own, and the digests. */
async function committed(): Promise<{ own: string[]; digests: string[] }> {
  const files = await h.gh.listFiles(h.gh.defaultBranch, "logs/schedules/flaky");
  return { own: files.filter((f) => /\/\d{2}-.+\.md$/.test(f)).sort(), digests: files.filter((f) => /\/\d{2}\.md$/.test(f)) };
}

function frontMatter(log: string): Record<string, unknown> {
  return parse(log.split("---\n")[1]!) as Record<string, unknown>;
}

/** The scheduled runs that reached execute, by occurrence and try. */
async function runs(): Promise<Array<{ id: string; occurrenceMs: number; attempt: number }>> {
  const jobs = (await h.queues.execute.getJobs(["completed", "failed", "active", "wait", "delayed"])) as Array<Job<RunJobData>>;
  return jobs
    .flatMap((job) => {
      const s = job.data.target.chore?.request.schedule;
      return s?.schedulerId === schedulerId() ? [{ id: job.id!, occurrenceMs: s.occurrenceMs, attempt: s.attempt }] : [];
    })
    .sort((a, b) => a.occurrenceMs - b.occurrenceMs || a.attempt - b.attempt);
}

const today = () => new Date().toISOString().slice(0, 10);
const digestRows = async () => (await new ScheduleDigests(redis, prefix).read(schedulerId(), today()))?.rows ?? [];

beforeAll(async () => {
  h = await startHarness({ chores: true, env: { SCHEDULE_MIN_INTERVAL: "1s" } });
  redis = new Redis(h.redis.url, { maxRetriesPerRequest: null });
  prefix = h.queues.process.opts.prefix!;
  probot = new Probot({ appId: Number(h.env.APP_ID), privateKey: h.privateKey, baseUrl: h.gh.baseUrl, Octokit: TestOctokit, log: pino({ level: "silent" }) });
}, 120_000);

afterAll(async () => {
  await closePushJobs();
  redis?.disconnect();
  await h?.close();
});

describe("a scheduled chore's records", () => {
  it("commits a failure streak's first failure and its recovery at once, retries as runs of their own, and gathers the rest in the day's digest", async () => {
    h.beacon.answer("flaky", "fail");
    const merged = await h.mergeAndPush({ "chores/flaky.ts": CHORE });
    await pushJob(h.queues.index, merged.after);

    // The first occurrence fails twice (a try and its retry): only then is the failure committed, at once.
    const first = await until("the first failure committed", async () => {
      const { own } = await committed();
      return own.length >= 1 && own;
    });
    expect(first).toHaveLength(1);
    const firstLog = (await h.gh.readFile(h.gh.defaultBranch, first[0]!))!;
    const front = frontMatter(firstLog);
    expect(front).toMatchObject({ trigger: "schedule", chore: "flaky", scheduler: schedulerId(), status: "failed", schedule_attempt: 2, schedule_attempts: 2 });
    expect(front).not.toHaveProperty("requested_by");
    const occurrenceMs = Date.parse(front.occurrence as string);
    const [yyyy, mm, dd] = (front.occurrence as string).slice(0, 10).split("-");
    expect(first[0]).toBe(`logs/schedules/flaky/${yyyy}/${mm}/${dd}-${scheduledRunId(schedulerId(), occurrenceMs, 2)}.md`);
    // The retry was a run of its own, after the first try, with its own id.
    const tries = (await runs()).filter((run) => run.occurrenceMs === occurrenceMs);
    expect(tries.map((run) => [run.id, run.attempt])).toEqual([
      [scheduledRunId(schedulerId(), occurrenceMs, 1), 1],
      [scheduledRunId(schedulerId(), occurrenceMs, 2), 2],
    ]);
    // The day's digest so far went with it: the first try's retry and the failure, linked.
    const digestPath = `logs/schedules/flaky/${yyyy}/${mm}/${dd}.md`;
    const commitOf = (await h.gh.commits()).find((c) => c.message.includes(scheduledRunId(schedulerId(), occurrenceMs, 2)))!;
    // In the same commit as the failure's log.
    expect(commitOf.message).toMatch(/^chorebot: run logs of 2 scripts/);
    const early = (await h.gh.readFile(commitOf.sha, digestPath))!;
    expect(early).toContain("retried: try 2 of 2 in 1.0 s");
    expect(early).toContain(`[log](${dd}-${scheduledRunId(schedulerId(), occurrenceMs, 2)}.md)`);

    // Later occurrences fail too: the streak goes on in the digest only.
    await until("a failure inside the streak", async () => (await digestRows()).some((row) => row.note === "still failing"));
    expect((await committed()).own).toEqual(first);

    // The upstream comes back: the recovery is committed at once, the successes after it are not.
    h.beacon.answer("flaky", "ok");
    const both = await until("the recovery committed", async () => {
      const { own } = await committed();
      return own.length >= 2 && own;
    });
    const recovery = both.find((path) => path !== first[0])!;
    expect(frontMatter((await h.gh.readFile(h.gh.defaultBranch, recovery))!)).toMatchObject({ status: "succeeded", trigger: "schedule" });
    await until(
      "two successes after the recovery",
      async () => (await digestRows()).filter((row) => row.status === "succeeded" && row.note === null).length >= 2,
    );
    expect((await committed()).own).toHaveLength(2);

    // Stop the schedule; let what is queued finish.
    const removed = await h.mergeAndPush({ "chores/flaky.ts": null });
    await pushJob(h.queues.index, removed.after);
    await until("no scheduled run left", async () => {
      const busy = await h.queues.execute.getJobs(["active", "wait", "delayed"]);
      const cleanups = await h.queues.cleanup.getJobs(["active", "wait", "delayed", "waiting-children"]);
      return busy.length === 0 && cleanups.length === 0;
    });
    expect((await committed()).own).toHaveLength(2);

    // The flush, with a clock past the day's end: the digest lands with every row, committed early or not.
    const rows = await digestRows();
    const endOfDay = Date.parse(`${yyyy}-${mm}-${dd}T00:00:00Z`) + 24 * 3600_000 + 30 * 60_000;
    const flush = digestStep({
      digests: new ScheduleDigests(redis, prefix, () => endOfDay),
      catalog: new ChoreCatalog(redis, prefix),
      octokitFor: async (id) => probot.auth(id),
      commitLog: commitRunLog,
      now: () => endOfDay,
    });
    expect(await flush()).toMatchObject({ committed: 1, failed: 0 });
    const digest = (await h.gh.readFile(h.gh.defaultBranch, digestPath))!;
    const tableRows = digest.split("\n").filter((line) => /^\| \d{2}:\d{2}:\d{2} \|/.test(line));
    expect(tableRows).toHaveLength(rows.length);
    expect(frontMatter(digest)).toMatchObject({ chore: "flaky", scheduler: schedulerId(), day: `${yyyy}-${mm}-${dd}`, rows: rows.length });
    expect(digest).toContain("still failing");
    expect(digest).toContain("recovered");
    expect(digest).toContain("` calls=1 `");
    expect(digest).toContain('` {"mode":"ok"} `');
    expect(digest.match(/\[log\]\(/g)).toHaveLength(2);
    // Every try that ran has its row (as many as the script's executions); the others are occurrences skipped while one still went.
    const ran = rows.filter((row) => row.runId !== null);
    expect(ran).toHaveLength((await h.timesRan("flaky-fail")) + (await h.timesRan("flaky-ok")));
    expect(rows.filter((row) => row.runId === null).every((row) => row.status === "skipped")).toBe(true);

    // A second flush commits nothing.
    const head = await h.gh.head();
    expect(await flush()).toMatchObject({ committed: 0 });
    expect(await h.gh.head()).toBe(head);
  }, 120_000);
});
