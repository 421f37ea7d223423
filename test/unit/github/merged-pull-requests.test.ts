import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RangeCommit } from "../../../src/github/first-parent-chain.js";
import { associationLookup, findMergedPullRequests } from "../../../src/github/merged-pull-requests.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const sha = (c: string) => c.repeat(40);
const at = { owner: "acme", repo: "widgets", before: sha("0"), defaultBranch: "main" };
const associated = (number: number, mergeCommit: string, base = "main") => ({
  number,
  title: `PR ${number}`,
  html_url: `https://github.com/acme/widgets/pull/${number}`,
  user: { login: "alice" },
  head: { sha: sha("h") },
  base: { ref: base },
  merged_at: "2026-12-01T00:00:00Z",
  merge_commit_sha: mergeCommit,
});
const commit = (s: string, madeByGitHub = true): RangeCommit => ({ sha: sha(s), parents: [], madeByGitHub, committedAt: "2026-12-01T00:00:00Z" });
const pulls = (s: string) =>
  nock("https://api.github.com")
    .get(`/repos/acme/widgets/commits/${sha(s)}/pulls`)
    .query(true);
const find = (chain: RangeCommit[], waitMs = 0, sleeps: number[] = []) =>
  findMergedPullRequests(associationLookup(new TestOctokit({ auth: "token" }), at), at, chain, {
    waitMs,
    sleep: async (ms) => void sleeps.push(ms),
  });

describe("findMergedPullRequests", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("finds every pull request a batched push merged, each with the branch tip before it", async () => {
    pulls("1").reply(200, [associated(1, sha("1"))]);
    pulls("2").reply(200, []); // a direct commit between them
    pulls("3").reply(200, [associated(3, sha("3")), associated(4, sha("3"), "release")]);
    const found = await find([commit("1"), commit("2", false), commit("3")]);
    expect(found.map((p) => [p.number, p.mergeCommit[0], p.baseCommit[0]])).toEqual([
      [1, "1", "0"],
      [3, "3", "2"],
    ]);
  });

  it("takes a rebase merge's earlier commits as its own: its base is the tip before the first", async () => {
    pulls("1").reply(200, [associated(7, sha("3"))]);
    pulls("2").reply(200, [associated(7, sha("3"))]);
    pulls("3").reply(200, [associated(7, sha("3"))]);
    const [found] = await find([commit("1"), commit("2"), commit("3")]);
    expect(found).toMatchObject({ number: 7, mergeCommit: sha("3"), baseCommit: sha("0") });
  });

  it("asks again, with backoff and for a bounded time, about a commit GitHub made but names no pull request for yet", async () => {
    pulls("1").times(3).reply(200, []);
    pulls("1").reply(200, [associated(1, sha("1"))]);
    const sleeps: number[] = [];
    const found = await find([commit("1")], 10_000, sleeps);
    expect(found.map((p) => p.number)).toEqual([1]);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it("stops asking when the wait is over, and never waits for a commit a person pushed", async () => {
    pulls("1").times(3).reply(200, []);
    pulls("2").reply(200, []);
    const sleeps: number[] = [];
    expect(await find([commit("1"), commit("2", false)], 600, sleeps)).toEqual([]);
    expect(sleeps).toEqual([250, 350]);
  });
});
