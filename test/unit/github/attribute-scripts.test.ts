import { describe, expect, it } from "vitest";
import { attributeScripts, type MergedWithFiles } from "../../../src/github/attribute-scripts.js";
import { firstParentChain, type RangeCommit } from "../../../src/github/first-parent-chain.js";
import type { MergedPullRequest } from "../../../src/github/merged-pull-requests.js";

const sha = (c: string) => c.repeat(40);
const pull = (number: number, mergeCommit: string): MergedPullRequest => ({
  number,
  title: `PR ${number}`,
  url: `https://github.com/acme/widgets/pull/${number}`,
  author: "alice",
  headSha: sha("h"),
  mergeCommit,
  baseCommit: sha("0"),
});
const pushedTo = { after: sha("a"), defaultBranch: "main" };

describe("attributeScripts", () => {
  it("judges each script by the last pull request of the push that added it, at the version of its head", () => {
    const merged: MergedWithFiles[] = [
      { pull: pull(1, sha("1")), files: [{ filename: "scripts/one.ts", status: "added", sha: "x1" }], complete: true },
      { pull: pull(2, sha("2")), files: [{ filename: "scripts/two.ts", status: "renamed", sha: "x2", previous_filename: "drafts/two.ts" }], complete: true },
    ];
    const result = attributeScripts(
      [
        { path: "scripts/one.ts", blob: "x1" },
        { path: "scripts/two.ts", blob: "x2" },
        { path: "scripts/direct.ts", blob: "x3" },
      ],
      merged,
      pushedTo,
    );
    expect(result[0]).toEqual({ path: "scripts/one.ts", blob: "x1", pullRequest: merged[0]!.pull, refusal: null });
    expect(result[1]).toEqual({ path: "scripts/two.ts", blob: "x2", pullRequest: merged[1]!.pull, refusal: null });
    expect(result[2]!.refusal).toMatch(/scripts\/direct\.ts was not added by a pull request merged into main in this push/);
  });

  it("refuses a script whose version differs from the one its pull request's reviews cover", () => {
    const merged = [{ pull: pull(1, sha("1")), files: [{ filename: "scripts/one.ts", status: "added", sha: "approved" }], complete: true }];
    const [result] = attributeScripts([{ path: "scripts/one.ts", blob: "changed" }], merged, pushedTo);
    expect(result).toMatchObject({ pullRequest: merged[0]!.pull, refusal: expect.stringMatching(/not the version at the head of pull request #1/) });
  });

  it("refuses rather than guesses when GitHub's 3,000-file cap may have hidden the adding pull request's file", () => {
    const merged = [{ pull: pull(9, sha("9")), files: [], complete: false }];
    const [result] = attributeScripts([{ path: "scripts/big.ts", blob: "b" }], merged, pushedTo);
    expect(result!.refusal).toMatch(/pull request #9 changes more files than GitHub lists \(3,000\)/);
  });

  it("does not let a pull request that only modified a script vouch for it", () => {
    const merged = [{ pull: pull(1, sha("1")), files: [{ filename: "scripts/one.ts", status: "modified", sha: "b" }], complete: true }];
    expect(attributeScripts([{ path: "scripts/one.ts", blob: "b" }], merged, pushedTo)[0]!.refusal).toMatch(/was not added by a pull request/);
  });
});

describe("firstParentChain", () => {
  const commit = (s: string, ...parents: string[]): RangeCommit => ({
    sha: sha(s),
    parents: parents.map(sha),
    madeByGitHub: false,
    committedAt: "2026-12-01T00:00:00Z",
  });
  it("follows first parents from after back to before, oldest first, skipping the merged branches' commits", () => {
    const commits = [commit("p", "0"), commit("1", "0", "p"), commit("q", "1"), commit("2", "1"), commit("3", "2", "q")];
    expect(firstParentChain(commits, sha("0"), sha("3"))!.map((c) => c.sha[0])).toEqual(["1", "2", "3"]);
  });
  it("is null when after does not descend from before along first parents", () => {
    expect(firstParentChain([commit("1", "9")], sha("0"), sha("1"))).toBeNull();
  });
});
