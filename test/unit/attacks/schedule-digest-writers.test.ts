import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoCatalog } from "../../../src/catalog-types.js";
import type { RunLogCommit, RunLogResult } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { digestStep } from "../../../src/schedules/digest-step.js";
import type { DigestRow, ScheduleRef } from "../../../src/schedules/schedule-types.js";
import { ScheduleDigests } from "../../../src/stores/schedule-digests.js";
import { startRedis, type TestRedis } from "../../helpers/redis-server.js";

const REF: ScheduleRef = { owner: "acme", repo: "shop", chore: "sync", schedulerId: "sched-acme.shop-sync-1a2b3c4d" };
const row = (occurrence: string): DigestRow => ({
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
});

// Two commits of one day's digest at once: the hourly flush and a flush retried from the
// dashboard (or one that outlived its hour), or a streak's first failure taking a late day's
// digest along. Each renders the rows it read; a row added between their reads makes them
// differ, and if the older lands last, the branch keeps it while the newer version, marked
// committed, took the day off the pending list: the row was never committed.
describe("attack: two commits of one day's digest at the same time", () => {
  let server: TestRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("the branch ends with every row, whichever commit lands last", async () => {
    const now = Date.parse("2026-12-07T01:00:00Z");
    const digests = new ScheduleDigests(redis, "{writers}", () => now);
    await digests.add(REF, row("2026-12-06T10:00:00.000Z"));
    // The branch: what each path holds, in the order commits land.
    const branch = new Map<string, string>();
    const gates: Array<() => void> = [];
    let hold = true;
    const flush = digestStep({
      digests,
      catalog: {
        read: async (owner, repo) =>
          ({ owner, repo, installationId: 1, defaultBranch: "main", config: { logsDir: "logs", cleanup: "commit" } }) as unknown as RepoCatalog,
      },
      now: () => now,
      octokitFor: async () => ({}) as GitHubClient,
      async commitLog(_octokit, change: RunLogCommit): Promise<RunLogResult> {
        // The first flush's commit is slow (the branch's turn, GitHub): it lands after the other's.
        if (hold) {
          hold = false;
          await new Promise<void>((resolve) => gates.push(resolve));
        }
        branch.set(change.logPath, change.log);
        return { kind: "commit", commit: "c", created: true };
      },
    });

    const slow = flush();
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    // A late row of that day (a try that ended after midnight), then the second flush.
    await digests.add(REF, row("2026-12-06T23:59:00.000Z"));
    await flush();
    gates[0]!();
    await slow;
    // Whatever is still pending is committed by the next flush.
    await flush();

    const digest = branch.get("logs/schedules/sync/2026/12/06.md")!;
    expect(digest).toContain("| 10:00:00 |");
    expect(digest).toContain("| 23:59:00 |");
    expect(await digests.pending(now, 10)).toEqual([]);
  });
});
