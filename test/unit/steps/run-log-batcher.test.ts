import { describe, expect, it } from "vitest";
import type { RunLogCommit, RunLogResult } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { RunLogBatcher } from "../../../src/steps/run-log-batcher.js";

const octokit = {} as GitHubClient;
const change = (n: number, over: Partial<RunLogCommit> = {}): RunLogCommit => ({
  owner: "acme",
  repo: "widgets",
  branch: "main",
  logPath: `logs/s${n}-abc1234.md`,
  log: `# log ${n}\n`,
  scriptPath: `scripts/s${n}.ts`,
  runId: `r${n}`,
  title: `scripts/s${n}.ts succeeded`,
  branchName: `chorebot/cleanup-r${n}`,
  ...over,
});
const committed = (commit: string): RunLogResult => ({ kind: "commit", commit, created: true });

/** Fake commits that record their batches and resolve when told to. */
function fakeCommits(fail: (batch: RunLogCommit[]) => boolean = () => false) {
  const batches: string[][] = [];
  const singles: string[] = [];
  return {
    batches,
    singles,
    many: async (_: GitHubClient, changes: readonly RunLogCommit[]) => {
      batches.push(changes.map((c) => c.runId));
      await Promise.resolve();
      if (fail([...changes])) throw new Error("422 from createTree");
      return changes.map(() => committed(`c${batches.length}`));
    },
    one: async (_: GitHubClient, c: RunLogCommit) => {
      singles.push(c.runId);
      if (c.runId === "r3") throw new Error(`bad change ${c.runId}`);
      return committed(`single-${c.runId}`);
    },
  };
}

describe("RunLogBatcher", () => {
  it("commits the logs that arrive while a commit is being made together in the next one", async () => {
    const fake = fakeCommits();
    const batcher = new RunLogBatcher(fake);
    const first = Promise.all([1, 2].map((n) => batcher.commit(octokit, change(n))));
    await Promise.resolve(); // the first commit is under way
    const second = Promise.all([3, 4, 5].map((n) => batcher.commit(octokit, change(n))));
    expect(await first).toEqual([committed("c1"), committed("c1")]);
    expect(await second).toEqual([committed("c2"), committed("c2"), committed("c2")]);
    expect(fake.batches).toEqual([
      ["r1", "r2"],
      ["r3", "r4", "r5"],
    ]);
  });

  it("waits for its turn at the branch, and commits what gathered meanwhile in that turn", async () => {
    const fake = fakeCommits();
    const turns: string[] = [];
    let grant!: () => void;
    const batcher = new RunLogBatcher({
      ...fake,
      turn: async (branch) => {
        turns.push(`take ${branch}`);
        await new Promise<void>((resolve) => (grant = resolve));
        return async () => void turns.push(`end ${branch}`);
      },
    });
    const pending = [1, 2].map((n) => batcher.commit(octokit, change(n)));
    await Promise.resolve();
    pending.push(batcher.commit(octokit, change(3)));
    expect(fake.batches).toEqual([]);
    grant();
    await Promise.all(pending);
    expect(fake.batches).toEqual([["r1", "r2", "r3"]]);
    expect(turns).toEqual(["take acme/widgets:main", "end acme/widgets:main"]);
  });

  it("fails the waiting cleanups when a turn cannot be had (Redis down), and takes new ones after", async () => {
    let redisDown = true;
    const batcher = new RunLogBatcher({
      ...fakeCommits(),
      turn: async () => {
        if (redisDown) throw new Error("Connection is closed.");
        return async () => {};
      },
    });
    await expect(batcher.commit(octokit, change(1))).rejects.toThrow("Connection is closed.");
    redisDown = false;
    expect(await batcher.commit(octokit, change(2))).toEqual(committed("c1"));
  });

  it("keeps repositories apart and sends pull-request cleanups on their own", async () => {
    const fake = fakeCommits();
    const batcher = new RunLogBatcher(fake);
    await Promise.all([
      batcher.commit(octokit, change(1)),
      batcher.commit(octokit, change(2, { repo: "gadgets" })),
      batcher.commit(octokit, change(5, { mode: "pull_request" })),
    ]);
    expect(fake.batches).toEqual([["r1"], ["r2"]]);
    expect(fake.singles).toEqual(["r5"]);
  });

  it("retries a failed batch one change at a time, so only the bad change fails", async () => {
    const fake = fakeCommits((batch) => batch.length > 1);
    const batcher = new RunLogBatcher(fake);
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.commit(octokit, change(n))));
    expect(fake.batches).toEqual([["r1", "r2", "r3", "r4"]]);
    expect(fake.singles).toEqual(["r1", "r2", "r3", "r4"]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value.commit : (s.reason as Error).message))).toEqual([
      "single-r1",
      "single-r2",
      "bad change r3",
      "single-r4",
    ]);
    // The lane is free again afterwards.
    expect(await batcher.commit(octokit, change(6))).toEqual(committed("c2"));
  });
});
