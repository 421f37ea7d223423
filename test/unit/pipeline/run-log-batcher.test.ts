import { describe, expect, it } from "vitest";
import type { RunLogCommit, RunLogResult } from "../../../src/github/commit-run-log.js";
import type { GitHubClient } from "../../../src/github/octokit.js";
import { RunLogBatcher } from "../../../src/pipeline/run-log-batcher.js";

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
    const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.commit(octokit, change(n))));
    expect(fake.batches).toEqual([["r1"], ["r2", "r3", "r4"]]);
    expect(results).toEqual([committed("c1"), committed("c2"), committed("c2"), committed("c2")]);
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
    expect(fake.singles).toEqual(["r2", "r3", "r4"]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value.commit : (s.reason as Error).message))).toEqual([
      "c1",
      "single-r2",
      "bad change r3",
      "single-r4",
    ]);
    // The lane is free again afterwards.
    expect(await batcher.commit(octokit, change(6))).toEqual(committed("c3"));
  });
});
