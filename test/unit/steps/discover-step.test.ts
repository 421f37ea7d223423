import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { push, HEAD, MERGED_AT, blob, fakeFlows, targets, discover, tree, github } from "./discover-fixtures.js";

/** GitHub without a chorebot.yml, with `before` and `after` as the trees of the push's two commits; chain the rest on. */
function githubTrees(before: Record<string, string>, after: Record<string, string>) {
  return nock("https://api.github.com")
    .get(/\/contents\//)
    .times(2)
    .query(true)
    .reply(404, { message: "Not Found" })
    .get(`/repos/acme/widgets/git/trees/${push.before}`)
    .query(true)
    .reply(200, tree(before))
    .get(`/repos/acme/widgets/git/trees/${push.after}`)
    .query(true)
    .reply(200, tree(after));
}

/** GitHub without a chorebot.yml for a push of one plain commit with no pull request, whose two trees both answer `status` with `body`. */
function githubWithoutPullRequest(status: number, body: object) {
  return nock("https://api.github.com")
    .get(/\/contents\/\.github(\/|%2F)chorebot\.yml/)
    .times(2)
    .query(true)
    .reply(404, { message: "Not Found" })
    .get(/\/git\/trees\//)
    .times(2)
    .query(true)
    .reply(status, body)
    .get(/\/git\/commits\//)
    .reply(200, { sha: push.after, parents: [{ sha: push.before }], committer: { email: "noreply@github.com", date: MERGED_AT } })
    .get(/\/commits\/.*\/pulls/)
    .query(true)
    .reply(200, []);
}

describe("discoverStep", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("queues every entry script the push added, judged by the pull request that added it, as one chain in path order", async () => {
    github({
      before: { "scripts/was.ts": blob(9), "scripts/old.ts": blob(8), "scripts/gone.ts": blob(7), "README.md": blob(0) },
      after: {
        "scripts/b-second.ts": blob(2),
        "scripts/a-first.mjs": blob(1),
        "scripts/_lib/db.ts": blob(3),
        "scripts/a-first.test.ts": blob(4),
        "scripts/old.ts": blob(5),
        "scripts/renamed.ts": blob(9),
        "scripts/direct.ts": blob(6),
        "src/app.ts": blob(10),
        "README.md": blob(0),
      },
      prFiles: [
        { filename: "scripts/a-first.mjs", status: "added", sha: blob(1) },
        { filename: "scripts/b-second.ts", status: "added", sha: "c".repeat(40) },
      ],
    });
    const { flows, added } = fakeFlows();
    const { runIds } = await discover(flows);
    expect(runIds).toHaveLength(3);
    expect(added).toHaveLength(1);
    const queued = targets(added[0]);
    expect(queued.map((target) => target.path)).toEqual(["scripts/a-first.mjs", "scripts/b-second.ts", "scripts/direct.ts"]);
    expect(queued[0]).toMatchObject({
      commit: push.after,
      committedAt: MERGED_AT,
      refusal: null,
      configError: null,
      pullRequest: { number: 5, mergeCommit: push.after, baseCommit: push.before, headSha: HEAD },
    });
    expect(queued[1].refusal).toMatch(/not the version at the head of pull request #5/);
    expect(queued[2]).toMatchObject({
      pullRequest: null,
      refusal: expect.stringMatching(/scripts\/direct\.ts was not added by a pull request merged into main/),
    });
    expect(queued.map((target) => target.committedAt)).toEqual([MERGED_AT, MERGED_AT, MERGED_AT]);
  });

  it("dates each run by its own commit, as the commits GitHub already sent give it: the merge's, or the pushed head's", async () => {
    const MERGE = "4".repeat(40);
    const files = { "scripts/a-first.ts": blob(1), "scripts/direct.ts": blob(2) };
    githubTrees({}, files)
      .get(`/repos/acme/widgets/git/commits/${push.after}`)
      .reply(200, { sha: push.after, parents: [{ sha: MERGE }], committer: { email: "alice@example.com", date: "2026-12-01T00:00:05Z" } })
      .get(`/repos/acme/widgets/compare/${push.before}...${push.after}`)
      .query(true)
      .reply(200, {
        total_commits: 2,
        commits: [
          { sha: MERGE, parents: [{ sha: push.before }, { sha: HEAD }], commit: { committer: { email: "noreply@github.com", date: "2026-11-30T23:59:59Z" } } },
          { sha: push.after, parents: [{ sha: MERGE }], commit: { committer: { email: "alice@example.com", date: "2026-12-01T00:00:05Z" } } },
        ],
      })
      .get(`/repos/acme/widgets/commits/${push.after}/pulls`)
      .query(true)
      .reply(200, [])
      .get(`/repos/acme/widgets/commits/${MERGE}/pulls`)
      .query(true)
      .reply(200, [
        {
          number: 5,
          title: "Add a script",
          html_url: "https://github.com/acme/widgets/pull/5",
          user: { login: "alice" },
          head: { sha: HEAD },
          base: { ref: "main" },
          merged_at: "2026-11-30T23:59:59Z",
          merge_commit_sha: MERGE,
        },
      ])
      .get("/repos/acme/widgets/pulls/5/files")
      .query(true)
      .reply(200, [{ filename: "scripts/a-first.ts", status: "added", sha: blob(1) }]);
    const { flows, added } = fakeFlows();
    await discover(flows);
    expect(targets(added[0]).map((target) => [target.path, target.commit, target.committedAt])).toEqual([
      ["scripts/a-first.ts", MERGE, "2026-11-30T23:59:59Z"],
      ["scripts/direct.ts", push.after, "2026-12-01T00:00:05Z"],
    ]);
  });

  it("dates the runs of a push that rewrote history by the pushed head", async () => {
    githubTrees({}, { "scripts/x.ts": blob(1) })
      .get(`/repos/acme/widgets/git/commits/${push.after}`)
      .reply(200, { sha: push.after, parents: [{ sha: HEAD }], committer: { email: "mallory@example.com", date: "2026-12-02T08:00:00+09:00" } })
      .get(`/repos/acme/widgets/compare/${push.before}...${push.after}`)
      .query(true)
      .reply(200, { total_commits: 0, commits: [] })
      .get(`/repos/acme/widgets/commits/${push.after}/pulls`)
      .query(true)
      .reply(200, []);
    const { flows, added } = fakeFlows();
    await discover(flows);
    expect(targets(added[0])).toMatchObject([
      { path: "scripts/x.ts", commit: push.after, committedAt: "2026-12-02T08:00:00+09:00", refusal: expect.stringMatching(/does not continue its history/) },
    ]);
  });

  it("queues nothing when the push added no entry script", async () => {
    githubWithoutPullRequest(200, tree({ "README.md": blob(1), "scripts/kept.ts": blob(2) }));
    const { flows, added } = fakeFlows();
    expect(await discover(flows)).toEqual({ runIds: [] });
    expect(added).toEqual([]);
  });

  it("lets a GitHub error through, so BullMQ retries the discovery", async () => {
    githubWithoutPullRequest(502, { message: "Server Error" });
    await expect(discover(fakeFlows().flows)).rejects.toMatchObject({ status: 502 });
  });
});
