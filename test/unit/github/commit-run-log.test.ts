import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { commitRunLog, commitRunLogs, gitBlobSha } from "../../../src/github/commit-run-log.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const API = "https://api.github.com";
const change = {
  owner: "acme",
  repo: "widgets",
  branch: "main",
  logPath: "logs/fix-abc1234.md",
  log: "# log\n",
  scriptPath: "scripts/fix.ts",
  runId: "r1",
  title: "scripts/fix.ts succeeded",
  branchName: "chorebot/cleanup-r1",
};
const CLEANUP_REF = "/repos/acme/widgets/git/ref/heads%2Fchorebot%2Fcleanup-r1";
const PR_URL = "https://github.com/acme/widgets/pull/7";
const sha = (c: string) => c.repeat(40);
const octokit = () => new TestOctokit({ auth: "token" });
const file = (path: string, content: string) => ({
  type: "file",
  path,
  sha: gitBlobSha(content),
  encoding: "base64",
  content: Buffer.from(content).toString("base64"),
});
const pull = (autoMerge: object | null = null) => ({ number: 7, html_url: PR_URL, node_id: "PR_kwDO7", auto_merge: autoMerge });

/** The repository's contents at `head` as far as the log and the script are concerned. */
function contentsAt(scope: nock.Scope, head: string, { log, script }: { log: string | null; script: boolean }) {
  const contents = (path: string) => new RegExp(`/repos/acme/widgets/contents/${path.replace("/", "(/|%2F)")}\\?ref=${head}`);
  scope.get(contents(change.logPath)).reply(log === null ? 404 : 200, log === null ? { message: "Not Found" } : file(change.logPath, log));
  scope.get(contents(change.scriptPath)).reply(script ? 200 : 404, script ? file(change.scriptPath, "console.log(1)") : { message: "Not Found" });
  return scope;
}

function headAt(head: string, state: { log: string | null; script: boolean }) {
  return contentsAt(
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: head } }),
    head,
    state,
  );
}

function cleanupBranchAt(head: string | null, state: { log: string | null; script: boolean } = { log: change.log, script: false }) {
  const scope = nock(API).get(CLEANUP_REF);
  if (head === null) return scope.reply(404, { message: "Not Found" });
  return contentsAt(scope.reply(200, { object: { sha: head } }), head, state);
}

/** getCommit + createTree + createCommit on `head`, producing `commit`. */
function builds(head: string, commit: string) {
  return nock(API)
    .get(`/repos/acme/widgets/git/commits/${head}`)
    .reply(200, { sha: head, tree: { sha: sha("t") } })
    .post("/repos/acme/widgets/git/trees")
    .reply(201, { sha: sha("u") })
    .post("/repos/acme/widgets/git/commits", (body) => body.parents[0] === head)
    .reply(201, { sha: commit });
}

function openPulls(pulls: object[]) {
  return nock(API).get("/repos/acme/widgets/pulls").query({ head: "acme:chorebot/cleanup-r1", base: "main", state: "open" }).reply(200, pulls);
}

function autoMergeAllowed(allowed: boolean) {
  return nock(API).get("/repos/acme/widgets").reply(200, { allow_auto_merge: allowed, allow_squash_merge: true, allow_merge_commit: true });
}

describe("commitRunLog", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    // Clean up before asserting, so one failing test's leftover mocks cannot fail the next ones.
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  it("adds the log and deletes the script in one commit, without forcing", async () => {
    let treeBody: any;
    let refBody: any;
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { sha: sha("a"), tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees", (body) => ((treeBody = body), true))
      .reply(201, { sha: sha("u") })
      .post("/repos/acme/widgets/git/commits", {
        message: "chorebot: scripts/fix.ts succeeded\n\nRun r1; log in logs/fix-abc1234.md.",
        tree: sha("u"),
        parents: [sha("a")],
      })
      .reply(201, { sha: sha("c") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain", (body) => ((refBody = body), true))
      .reply(200, { object: { sha: sha("c") } });

    expect(await commitRunLog(octokit(), change)).toEqual({ kind: "commit", commit: sha("c"), created: true });
    expect(treeBody).toEqual({
      base_tree: sha("t"),
      tree: [
        { path: change.logPath, mode: "100644", type: "blob", content: change.log },
        { path: change.scriptPath, mode: "100644", type: "blob", sha: null },
      ],
    });
    expect(refBody).toEqual({ sha: sha("c"), force: false });
  });

  it("writes nothing when the branch already has this log and no script (a retried cleanup, or a merged cleanup PR)", async () => {
    headAt(sha("a"), { log: change.log, script: false });
    expect(await commitRunLog(octokit(), change)).toEqual({ kind: "commit", commit: sha("a"), created: false });
    headAt(sha("a"), { log: change.log, script: false });
    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toEqual({ kind: "commit", commit: sha("a"), created: false });
  });

  it("rebuilds the commit on the new head when the branch moved (422 not a fast forward)", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c")).patch("/repos/acme/widgets/git/refs/heads%2Fmain").reply(422, { message: "Update is not a fast forward" });
    headAt(sha("b"), { log: null, script: true });
    cleanupBranchAt(null);
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("b")}`)
      .reply(200, { tree: { sha: sha("s") } })
      .post("/repos/acme/widgets/git/trees", (body) => body.base_tree === sha("s"))
      .reply(201, { sha: sha("v") })
      .post("/repos/acme/widgets/git/commits", (body) => body.parents[0] === sha("b"))
      .reply(201, { sha: sha("d") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(200, { object: { sha: sha("d") } });

    expect(await commitRunLog(octokit(), change)).toEqual({ kind: "commit", commit: sha("d"), created: true });
  });

  it.each([
    [422, "Protected branch update failed for refs/heads/main."],
    [403, "Protected branch update failed for refs/heads/main."],
    [422, "Repository rule violations found\n\nChanges must be made through a pull request.\n\n"],
  ])("falls back to a pull request with auto-merge when the default branch rejects the commit (%i %j)", async (status, message) => {
    let refBody: any;
    let pullBody: any;
    let graphqlBody: any;
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c"))
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(status, { message, documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference" })
      .post("/repos/acme/widgets/git/refs", (body) => ((refBody = body), true))
      .reply(201, { ref: "refs/heads/chorebot/cleanup-r1", object: { sha: sha("c") } });
    openPulls([]);
    nock(API)
      .post("/repos/acme/widgets/pulls", (body) => ((pullBody = body), true))
      .reply(201, pull());
    autoMergeAllowed(true);
    nock(API)
      .post("/graphql", (body) => ((graphqlBody = body), true))
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });

    expect(await commitRunLog(octokit(), change)).toEqual({
      kind: "pull_request",
      commit: sha("c"),
      number: 7,
      url: PR_URL,
      autoMerge: "enabled",
    });
    expect(refBody).toEqual({ ref: "refs/heads/chorebot/cleanup-r1", sha: sha("c") });
    expect(pullBody).toMatchObject({ title: "chorebot: run log for scripts/fix.ts", head: "chorebot/cleanup-r1", base: "main" });
    expect(pullBody.body).toContain(change.logPath);
    expect(graphqlBody.query).toContain("enablePullRequestAutoMerge");
    expect(graphqlBody.variables).toEqual({ id: "PR_kwDO7", mergeMethod: "SQUASH" });
  });

  it("opens a pull request directly in pull_request mode, never touching the default branch", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c"))
      .post("/repos/acme/widgets/git/refs", { ref: "refs/heads/chorebot/cleanup-r1", sha: sha("c") })
      .reply(201, {});
    openPulls([]);
    nock(API).post("/repos/acme/widgets/pulls").reply(201, pull());
    autoMergeAllowed(true);
    nock(API)
      .post("/graphql")
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toEqual({
      kind: "pull_request",
      commit: sha("c"),
      number: 7,
      url: PR_URL,
      autoMerge: "enabled",
    });
  });

  it.each(["commit", "pull_request"] as const)(
    "a retry (%s mode) reuses the cleanup branch and its open pull request: no new commit, no second PR",
    async (mode) => {
      headAt(sha("a"), { log: null, script: true });
      cleanupBranchAt(sha("b"), { log: change.log, script: false });
      openPulls([pull({ merge_method: "squash" })]);

      expect(await commitRunLog(octokit(), { ...change, mode })).toEqual({
        kind: "pull_request",
        commit: sha("b"),
        number: 7,
        url: PR_URL,
        autoMerge: "enabled",
      });
    },
  );

  it("a retry whose open pull request has no auto-merge yet enables it", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(sha("b"), { log: change.log, script: false });
    openPulls([pull()]);
    autoMergeAllowed(true);
    nock(API)
      .post("/graphql")
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toMatchObject({ number: 7, autoMerge: "enabled" });
  });

  it("force-moves a stale cleanup branch that does not hold this log", async () => {
    let refBody: any;
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(sha("b"), { log: "# other\n", script: false });
    builds(sha("a"), sha("c"))
      .patch("/repos/acme/widgets/git/refs/heads%2Fchorebot%2Fcleanup-r1", (body) => ((refBody = body), true))
      .reply(200, {});
    openPulls([pull()]);
    autoMergeAllowed(false);

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toMatchObject({ commit: sha("c"), number: 7 });
    expect(refBody).toEqual({ sha: sha("c"), force: true });
  });

  it("keeps the cleanup branch a concurrent attempt created first (422 Reference already exists)", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c")).post("/repos/acme/widgets/git/refs").reply(422, { message: "Reference already exists" });
    cleanupBranchAt(sha("b"), { log: change.log, script: false });
    openPulls([]);
    nock(API)
      .post("/repos/acme/widgets/pulls")
      .reply(422, {
        message: "Validation Failed",
        errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:chorebot/cleanup-r1." }],
      });
    openPulls([pull({ merge_method: "squash" })]);

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toEqual({
      kind: "pull_request",
      commit: sha("b"),
      number: 7,
      url: PR_URL,
      autoMerge: "enabled",
    });
  });

  it("reports auto-merge as not allowed when the repository does not allow it", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c")).post("/repos/acme/widgets/git/refs").reply(201, {});
    openPulls([]);
    nock(API).post("/repos/acme/widgets/pulls").reply(201, pull());
    autoMergeAllowed(false);

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toEqual({
      kind: "pull_request",
      commit: sha("c"),
      number: 7,
      url: PR_URL,
      autoMerge: "not_allowed",
    });
  });

  it("reports auto-merge as failed on a GraphQL error and still returns the pull request", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c")).post("/repos/acme/widgets/git/refs").reply(201, {});
    openPulls([]);
    nock(API).post("/repos/acme/widgets/pulls").reply(201, pull());
    autoMergeAllowed(true);
    nock(API)
      .post("/graphql")
      .reply(200, { data: { enablePullRequestAutoMerge: null }, errors: [{ type: "UNPROCESSABLE", message: "Pull request is in clean status" }] });

    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toEqual({
      kind: "pull_request",
      commit: sha("c"),
      number: 7,
      url: PR_URL,
      autoMerge: "failed",
    });
  });

  it("rethrows a 422 that is neither a protection rejection nor 'not a fast forward'", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    builds(sha("a"), sha("c")).patch("/repos/acme/widgets/git/refs/heads%2Fmain").reply(422, { message: "Object does not exist" });

    await expect(commitRunLog(octokit(), change)).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Object does not exist") });
  });
});

describe("gitBlobSha", () => {
  it("is the id git itself gives the log's bytes", async () => {
    const { execFileSync } = await import("node:child_process");
    const text = "---\nstatus: succeeded\n---\n\n# ✅ done\n";
    expect(gitBlobSha(text)).toBe(execFileSync("git", ["hash-object", "--stdin"], { input: text }).toString().trim());
  });
});

describe("commitRunLogs", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  const merge = sha("m");
  const second = {
    ...change,
    runId: "r2",
    title: "scripts/other.ts failed",
    logPath: "logs/other-abc1234.md",
    log: "# other\n",
    scriptPath: "scripts/other.ts",
    branchName: "chorebot/cleanup-r2",
  };
  const noCleanupBranch = (run: string) => nock(API).get(`/repos/acme/widgets/git/ref/heads%2Fchorebot%2Fcleanup-${run}`).reply(404, { message: "Not Found" });
  /** One commit on `head` making `commit`, moving the branch without force; what it was made of. */
  const commitsOnto = (head: string, commit: string) => {
    const made: { tree?: unknown; message?: string } = {};
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${head}`)
      .reply(200, { tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees", (body) => ((made.tree = body.tree), body.base_tree === sha("t")))
      .reply(201, { sha: sha("u") })
      .post("/repos/acme/widgets/git/commits", (body) => ((made.message = body.message), body.parents[0] === head))
      .reply(201, { sha: commit })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain", { sha: commit, force: false })
      .reply(200, {});
    return made;
  };
  const compared = (head: string, files: object[], status = "ahead") =>
    nock(API).get(`/repos/acme/widgets/compare/${merge}...${head}`).query(true).reply(200, { status, files });

  it("commits several runs' logs and deletions in one commit; a retry learns where they stand from one compare", async () => {
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: sha("a") } });
    compared(sha("a"), [{ filename: "README.md", status: "modified", sha: sha("r") }]);
    noCleanupBranch("r1");
    noCleanupBranch("r2");
    const made = commitsOnto(sha("a"), sha("c"));

    const results = await commitRunLogs(octokit(), [
      { ...change, since: merge },
      { ...second, since: merge },
    ]);
    expect(results).toEqual([
      { kind: "commit", commit: sha("c"), created: true },
      { kind: "commit", commit: sha("c"), created: true },
    ]);
    expect(made.tree).toEqual([
      { path: change.logPath, mode: "100644", type: "blob", content: change.log },
      { path: second.logPath, mode: "100644", type: "blob", content: second.log },
      { path: change.scriptPath, mode: "100644", type: "blob", sha: null },
      { path: second.scriptPath, mode: "100644", type: "blob", sha: null },
    ]);
    expect(made.message).toBe(
      "chorebot: run logs of 2 scripts\n\n- scripts/fix.ts succeeded: run r1, log in logs/fix-abc1234.md\n- scripts/other.ts failed: run r2, log in logs/other-abc1234.md",
    );
  });

  it("leaves out runs whose log the head already has, and deletes only scripts still there", async () => {
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: sha("a") } });
    compared(sha("a"), [
      { filename: change.logPath, status: "added", sha: gitBlobSha(change.log) },
      { filename: change.scriptPath, status: "removed", sha: sha("o") },
      { filename: "scripts/renamed.ts", status: "renamed", previous_filename: second.scriptPath, sha: sha("p") },
    ]);
    noCleanupBranch("r2");
    const made = commitsOnto(sha("a"), sha("c"));

    const results = await commitRunLogs(octokit(), [
      { ...change, since: merge },
      { ...second, since: merge },
    ]);
    expect(results).toEqual([
      { kind: "commit", commit: sha("a"), created: false },
      { kind: "commit", commit: sha("c"), created: true },
    ]);
    expect(made.tree).toEqual([{ path: second.logPath, mode: "100644", type: "blob", content: second.log }]);
  });

  it("looks paths up one by one when the compare cannot tell (history rewritten since the merge)", async () => {
    headAt(sha("a"), { log: change.log, script: false });
    compared(sha("a"), [], "diverged");
    expect(await commitRunLogs(octokit(), [{ ...change, since: merge }])).toEqual([{ kind: "commit", commit: sha("a"), created: false }]);
  });

  it("gives each run of a batch its own cleanup pull request when the branch is protected", async () => {
    const protectedBranch = { message: "Protected branch update failed for refs/heads/main." };
    const refs: unknown[] = [];
    const pulls: { head: string; body: string }[] = [];
    // The batch's commit, then each run's own, are refused on main.
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .times(3)
      .reply(200, { object: { sha: sha("a") } });
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .times(3)
      .reply(200, { tree: { sha: sha("t") } });
    nock(API)
      .post("/repos/acme/widgets/git/trees")
      .times(3)
      .reply(201, { sha: sha("u") });
    let commits = 0;
    nock(API)
      .post("/repos/acme/widgets/git/commits")
      .times(3)
      .reply(201, () => ({ sha: String(commits++).repeat(40) }));
    nock(API).patch("/repos/acme/widgets/git/refs/heads%2Fmain").times(3).reply(422, protectedBranch);
    nock(API)
      .post("/repos/acme/widgets/git/refs", (body) => (refs.push(body), true))
      .times(2)
      .reply(201, {});
    nock(API).get("/repos/acme/widgets/pulls").query(true).times(2).reply(200, []);
    nock(API)
      .post("/repos/acme/widgets/pulls", (body) => (pulls.push(body), true))
      .times(2)
      .reply(201, (_, body: any) => ({ number: body.head.endsWith("r1") ? 7 : 8, html_url: PR_URL, node_id: "PR_x", auto_merge: null }));
    nock(API).get("/repos/acme/widgets").times(2).reply(200, { allow_auto_merge: false });

    const results = await commitRunLogs(octokit(), [
      { ...change, firstTry: true },
      { ...second, firstTry: true },
    ]);
    expect(results).toEqual([
      { kind: "pull_request", commit: "1".repeat(40), number: 7, url: PR_URL, autoMerge: "not_allowed" },
      { kind: "pull_request", commit: "2".repeat(40), number: 8, url: PR_URL, autoMerge: "not_allowed" },
    ]);
    expect(refs).toEqual([
      { ref: "refs/heads/chorebot/cleanup-r1", sha: "1".repeat(40) },
      { ref: "refs/heads/chorebot/cleanup-r2", sha: "2".repeat(40) },
    ]);
    expect(pulls.map((p) => p.head)).toEqual(["chorebot/cleanup-r1", "chorebot/cleanup-r2"]);
  });

  it("on a cleanup's first try looks nothing up: the log cannot be there yet and the script is deleted", async () => {
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: sha("a") } });
    builds(sha("a"), sha("c")).patch("/repos/acme/widgets/git/refs/heads%2Fmain").reply(200, {});
    expect(await commitRunLogs(octokit(), [{ ...change, since: merge, firstTry: true }])).toEqual([{ kind: "commit", commit: sha("c"), created: true }]);
  });

  it("on a first try whose script is gone already (GitHub refuses its deletion), looks up and commits the log alone at once", async () => {
    const trees: { path: string; sha?: null }[][] = [];
    nock(API)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: sha("a") } });
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { sha: sha("a"), tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees", (body) => (trees.push(body.tree), true))
      .reply(422, { message: "GitRPC::BadObjectState" });
    headAt(sha("a"), { log: null, script: false });
    cleanupBranchAt(null);
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { sha: sha("a"), tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees", (body) => (trees.push(body.tree), true))
      .reply(201, { sha: sha("u") })
      .post("/repos/acme/widgets/git/commits")
      .reply(201, { sha: sha("c") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(200, {});
    expect(await commitRunLogs(octokit(), [{ ...change, firstTry: true }])).toEqual([{ kind: "commit", commit: sha("c"), created: true }]);
    expect(trees.map((tree) => tree.map((entry) => `${entry.path}${entry.sha === null ? " (deleted)" : ""}`))).toEqual([
      [change.logPath, `${change.scriptPath} (deleted)`],
      [change.logPath],
    ]);
  });

  it("a 422 that a look-up does not explain still fails the cleanup", async () => {
    headAt(sha("a"), { log: null, script: true });
    cleanupBranchAt(null);
    nock(API)
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { sha: sha("a"), tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees")
      .reply(422, { message: "GitRPC::BadObjectState" });
    await expect(commitRunLogs(octokit(), [change])).rejects.toMatchObject({ status: 422 });
  });
});
