import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { RunLogCommit, RunLogResult } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { commitDigest, digestStep, isDigestJob, DIGEST_JOB_NAME, DIGEST_SCHEDULER_ID } from "../../../src/schedules/digest-step.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "billing/purge", schedulerId: "sched-acme.shop-billing-purge-1a2b3c4d" };
const GONE: ScheduleRef = { owner: "acme", repo: "gone", chore: "x", schedulerId: "sched-acme.gone-x-00000000" };
const row = (occurrence: string, o: Partial<DigestRow> = {}): DigestRow => ({
  occurrence,
  runId: `${REF.schedulerId}-${Date.parse(occurrence)}`,
  attempt: 1,
  status: "succeeded",
  startedAt: occurrence,
  durationMs: 5,
  counters: {},
  result: null,
  note: null,
  logPath: null,
  ...o,
});

describe("digestStep (the hourly flush)", () => {
  let server: TestRedis;
  let redis: Redis;
  let now: number;
  let digests: ScheduleDigests;
  let commits: RunLogCommit[];
  let failFor: string | null;
  const catalog = {
    async read(owner: string, repo: string) {
      if (repo === "gone") return null;
      return { owner, repo, installationId: 7, defaultBranch: "main", config: { logsDir: "records", cleanup: "commit" } } as unknown as RepoCatalog;
    },
  };
  const flush = () =>
    digestStep({
      digests,
      catalog,
      now: () => now,
      octokitFor: async () => ({}) as GitHubClient,
      async commitLog(_octokit, change): Promise<RunLogResult> {
        if (failFor !== null && change.repo === failFor) throw new Error("GitHub is down");
        commits.push(change);
        return { kind: "commit", commit: `c${commits.length}`, created: true };
      },
    })();

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });
  beforeEach(async () => {
    await redis.flushall();
    now = Date.parse("2026-12-06T15:00:00Z");
    digests = new ScheduleDigests(redis, "{flush-test}", () => now);
    commits = [];
    failFor = null;
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("commits a day once it is over, under the repository's logs folder, and a second flush commits nothing", async () => {
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    await digests.add(REF, row("2026-12-06T11:00:00.000Z", { status: "failed" }));
    expect(await flush()).toEqual({ committed: 0, dropped: 0, failed: 0 });
    now = Date.parse("2026-12-07T00:30:00Z");
    expect(await flush()).toEqual({ committed: 1, dropped: 0, failed: 0 });
    expect(await flush()).toEqual({ committed: 0, dropped: 0, failed: 0 });
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      owner: "acme",
      repo: "shop",
      branch: "main",
      logPath: "records/schedules/billing/purge/2026/12/06.md",
      keepScript: true,
      mode: "commit",
    });
    expect(commits[0]!.log).toContain("| 10:00:00 | 1 | ✅ succeeded |");
    expect(commits[0]!.log).toContain("| 11:00:00 | 1 | ❌ failed |");
  });

  it("commits a day committed early (with a failure) again at its end with every row, those committed before included", async () => {
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    // What a first failure does: the day so far, at once.
    await commitDigest(
      {
        digests,
        octokitFor: async () => ({}) as GitHubClient,
        commitLog: async (_o, change) => (commits.push(change), { kind: "commit", commit: "x", created: true }),
      },
      { schedulerId: REF.schedulerId, day: "2026-12-06" },
      { installationId: 7, defaultBranch: "main", config: { logsDir: "logs", cleanup: "commit" } },
    );
    await digests.add(REF, row("2026-12-06T20:00:00.000Z"));
    now = Date.parse("2026-12-07T01:00:00Z");
    await flush();
    expect(commits).toHaveLength(2);
    expect(commits[0]!.log).not.toContain("20:00:00");
    expect(commits[1]!.log).toContain("| 10:00:00 |");
    expect(commits[1]!.log).toContain("| 20:00:00 |");
  });

  it("does not let a repository whose commits keep failing hold every place of the flush", async () => {
    for (let i = 0; i < 200; i++)
      await digests.add({ ...REF, repo: "down", schedulerId: `sched-acme.down-x${i}-11111111` }, row("2026-12-04T10:00:00.000Z", { runId: `d${i}` }));
    await digests.add(REF, row("2026-12-05T10:00:00.000Z"));
    failFor = "down";
    await expect(flush()).rejects.toThrow(/200 digest\(s\) could not be committed/);
    expect(commits).toEqual([]);
    now += 60 * 60 * 1000;
    await expect(flush()).rejects.toThrow();
    expect(commits.map((c) => c.repo)).toEqual(["shop"]);
  });

  it("drops the digests of a repository no longer in the catalog (uninstalled), committing nothing", async () => {
    await digests.add(GONE, row("2026-12-05T10:00:00.000Z", { runId: "g1" }));
    expect(await flush()).toEqual({ committed: 0, dropped: 1, failed: 0 });
    expect(commits).toEqual([]);
    expect(await digests.read(GONE.schedulerId, "2026-12-05")).toBeNull();
    expect(await redis.keys("*")).toEqual([]);
  });

  it("keeps a day whose commit failed pending, commits the others, and fails the job so it shows", async () => {
    const OTHER: ScheduleRef = { ...REF, repo: "down", schedulerId: "sched-acme.down-x-11111111" };
    await digests.add(OTHER, row("2026-12-05T10:00:00.000Z", { runId: "d1" }));
    await digests.add(REF, row("2026-12-05T10:00:00.000Z"));
    failFor = "down";
    await expect(flush()).rejects.toThrow(/1 digest\(s\) could not be committed/);
    expect(commits.map((c) => c.repo)).toEqual(["shop"]);
    failFor = null;
    expect(await flush()).toEqual({ committed: 1, dropped: 0, failed: 0 });
    expect(commits.map((c) => c.repo)).toEqual(["shop", "down"]);
  });

  it("tells its jobs from a chore's triggers, whatever the chore is called", () => {
    expect(isDigestJob({ name: DIGEST_JOB_NAME, repeatJobKey: DIGEST_SCHEDULER_ID })).toBe(true);
    // A chore named `digest`: its trigger jobs carry its own scheduler's id.
    expect(isDigestJob({ name: "digest", repeatJobKey: "sched-acme.shop-digest-2b3c4d5e" })).toBe(false);
  });
});
