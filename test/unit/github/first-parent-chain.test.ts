import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushedChain } from "../../../src/github/first-parent-chain.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const sha = (c: string) => c.repeat(40);
const push = { owner: "acme", repo: "widgets", before: sha("0"), after: sha("3") };
const api = () => nock("https://api.github.com");
const gitCommit = (s: string, parents: string[], date: string, email = "noreply@github.com") => ({
  sha: sha(s),
  parents: parents.map((p) => ({ sha: sha(p) })),
  committer: { name: "GitHub", email, date },
});
const restCommit = (s: string, parents: string[], date: string, email = "noreply@github.com") => ({
  sha: sha(s),
  parents: parents.map((p) => ({ sha: sha(p) })),
  commit: { committer: { name: "GitHub", email, date } },
});
const chain = () => pushedChain(new TestOctokit({ auth: "token" }), push);

describe("pushedChain", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("takes a push of one commit, and its committer date, from one request", async () => {
    api()
      .get(`/repos/acme/widgets/git/commits/${sha("3")}`)
      .reply(200, gitCommit("3", ["0", "p"], "2026-12-31T23:30:00Z"));
    const head = { sha: sha("3"), parents: [sha("0"), sha("p")], madeByGitHub: true, committedAt: "2026-12-31T23:30:00Z" };
    expect(await chain()).toEqual({ head, chain: [head] });
  });

  it("lists a longer push through compare, each first-parent commit with its own committer date", async () => {
    api()
      .get(`/repos/acme/widgets/git/commits/${sha("3")}`)
      .reply(200, gitCommit("3", ["2", "q"], "2026-12-01T10:00:03Z"))
      .get(`/repos/acme/widgets/compare/${sha("0")}...${sha("3")}`)
      .query(true)
      .reply(200, {
        total_commits: 5,
        commits: [
          restCommit("p", ["0"], "2026-11-20T00:00:00Z", "alice@example.com"),
          restCommit("1", ["0", "p"], "2026-11-30T23:59:59Z"),
          restCommit("q", ["1"], "2026-11-21T00:00:00Z", "bob@example.com"),
          restCommit("2", ["1"], "2026-12-01T10:00:02Z", "carol@example.com"),
          restCommit("3", ["2", "q"], "2026-12-01T10:00:03Z"),
        ],
      });
    const { head, chain: commits } = await chain();
    expect(head).toMatchObject({ sha: sha("3"), committedAt: "2026-12-01T10:00:03Z" });
    expect(commits!.map((c) => [c.sha[0], c.committedAt, c.madeByGitHub])).toEqual([
      ["1", "2026-11-30T23:59:59Z", true],
      ["2", "2026-12-01T10:00:02Z", false],
      ["3", "2026-12-01T10:00:03Z", true],
    ]);
  });

  it("keeps the head, with its date, when the push rewrote history", async () => {
    api()
      .get(`/repos/acme/widgets/git/commits/${sha("3")}`)
      .reply(200, gitCommit("3", ["9"], "2026-12-02T00:00:00Z", "mallory@example.com"))
      .get(`/repos/acme/widgets/compare/${sha("0")}...${sha("3")}`)
      .query(true)
      .reply(200, { total_commits: 1, commits: [restCommit("3", ["9"], "2026-12-02T00:00:00Z", "mallory@example.com")] });
    expect(await chain()).toEqual({
      head: { sha: sha("3"), parents: [sha("9")], madeByGitHub: false, committedAt: "2026-12-02T00:00:00Z" },
      chain: null,
    });
  });

  it("fails rather than guess a commit's date", async () => {
    api()
      .get(`/repos/acme/widgets/git/commits/${sha("3")}`)
      .reply(200, gitCommit("3", ["2"], "2026-12-02T00:00:00Z"))
      .get(`/repos/acme/widgets/compare/${sha("0")}...${sha("3")}`)
      .query(true)
      .reply(200, { total_commits: 1, commits: [{ sha: sha("2"), parents: [{ sha: sha("0") }], commit: { committer: null } }] });
    await expect(chain()).rejects.toThrow(/without a committer date/);
  });
});
