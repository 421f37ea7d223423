import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkProvenance, currentApprovers } from "../../../src/github/check-provenance.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const MERGE = "m".repeat(40);
const HEAD = "h".repeat(40);
const query = { owner: "acme", repo: "widgets", commit: MERGE, defaultBranch: "main", requiredApprovals: 1 };
const octokit = () => new TestOctokit({ auth: "token" });

function pull(overrides: Record<string, unknown> = {}) {
  return {
    number: 7,
    title: "Fix plans",
    html_url: "https://github.com/acme/widgets/pull/7",
    user: { login: "alice" },
    merged_at: "2026-11-23T10:00:00Z",
    merge_commit_sha: MERGE,
    base: { ref: "main", sha: "b".repeat(40) },
    head: { ref: "fix-plans", sha: HEAD },
    ...overrides,
  };
}
const review = (login: string, state: string, commit = HEAD) => ({ user: { login }, state, commit_id: commit });

describe("checkProvenance", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("lets through a merged PR approved by someone else", async () => {
    nock("https://api.github.com")
      .get(`/repos/acme/widgets/commits/${MERGE}/pulls`)
      .reply(200, [pull()])
      .get("/repos/acme/widgets/pulls/7/reviews")
      .query(true)
      .reply(200, [review("bob", "APPROVED")]);
    expect(await checkProvenance(octokit(), query)).toEqual({
      pullRequest: { number: 7, url: "https://github.com/acme/widgets/pull/7", author: "alice", title: "Fix plans" },
      approvedBy: ["bob"],
      refusal: null,
    });
  });

  it("refuses a direct push (no merged PR for the commit)", async () => {
    nock("https://api.github.com")
      .get(`/repos/acme/widgets/commits/${MERGE}/pulls`)
      .reply(200, [pull({ merged_at: null, merge_commit_sha: null })]);
    const result = await checkProvenance(octokit(), query);
    expect(result.pullRequest).toBeNull();
    expect(result.refusal).toMatch(/not the merge of a pull request into main/);
  });

  it("refuses a PR merged into another branch", async () => {
    nock("https://api.github.com")
      .get(`/repos/acme/widgets/commits/${MERGE}/pulls`)
      .reply(200, [pull({ base: { ref: "release", sha: "b".repeat(40) } })]);
    expect((await checkProvenance(octokit(), query)).refusal).toMatch(/not the merge/);
  });

  it("refuses an unapproved PR and says how many approvals are missing", async () => {
    nock("https://api.github.com")
      .get(`/repos/acme/widgets/commits/${MERGE}/pulls`)
      .reply(200, [pull()])
      .get("/repos/acme/widgets/pulls/7/reviews")
      .query(true)
      .reply(200, [review("alice", "APPROVED"), review("carol", "COMMENTED")]);
    const result = await checkProvenance(octokit(), query);
    expect(result.approvedBy).toEqual([]);
    expect(result.refusal).toBe(
      "pull request #7 has 0 approving review(s) on its final commit from someone other than its author @alice; 1 required",
    );
  });
});

describe("currentApprovers", () => {
  const pr = { author: "alice", headSha: HEAD };
  it("counts each reviewer's latest verdict on the head commit, never the author", () => {
    expect(
      currentApprovers(
        [
          review("bob", "APPROVED"),
          review("carol", "APPROVED"),
          review("carol", "CHANGES_REQUESTED"),
          review("dave", "APPROVED", "0".repeat(40)),
          review("erin", "APPROVED"),
          review("erin", "COMMENTED"),
          review("alice", "APPROVED"),
          review("frank", "APPROVED"),
          review("frank", "DISMISSED"),
        ],
        pr,
      ),
    ).toEqual(["bob", "erin"]);
  });
});
