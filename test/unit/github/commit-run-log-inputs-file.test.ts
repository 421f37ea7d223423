import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { commitRunLog, gitBlobSha } from "../../../src/github/commit-run-log.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const API = "https://api.github.com";
const INPUTS = "scripts/fix.inputs.yml";
const change = {
  owner: "acme",
  repo: "widgets",
  branch: "main",
  logPath: "logs/fix-abc1234.md",
  log: "# log\n",
  scriptPath: "scripts/fix.ts",
  alsoDelete: [INPUTS],
  runId: "r1",
  title: "scripts/fix.ts succeeded",
  branchName: "chorebot/cleanup-r1",
};
const sha = (c: string) => c.repeat(40);
const octokit = () => new TestOctokit({ auth: "token" });
const file = (path: string, content: string) => ({
  type: "file",
  path,
  sha: gitBlobSha(content),
  encoding: "base64",
  content: Buffer.from(content).toString("base64"),
});

/** GET contents of `path` at `ref`: the file when `there`, else 404. */
function contents(scope: nock.Scope, ref: string, path: string, there: string | null) {
  return scope
    .get(new RegExp(`/repos/acme/widgets/contents/${path.replaceAll("/", "(/|%2F)")}\\?ref=${ref}`))
    .reply(there === null ? 404 : 200, there === null ? { message: "Not Found" } : file(path, there));
}

/** The default branch at `head` with the log, script and inputs file as given. */
function mainAt(head: string, at: { log: string | null; script: boolean; inputs: boolean }) {
  const scope = nock(API)
    .get("/repos/acme/widgets/git/ref/heads%2Fmain")
    .reply(200, { object: { sha: head } });
  contents(scope, head, change.logPath, at.log);
  contents(scope, head, change.scriptPath, at.script ? "console.log(1)" : null);
  contents(scope, head, INPUTS, at.inputs ? "limit: 3\n" : null);
  return scope;
}

/** getCommit + createTree (its body kept) + createCommit, then the ref update. */
function commitsOnto(head: string, trees: unknown[]) {
  return nock(API)
    .get(`/repos/acme/widgets/git/commits/${head}`)
    .reply(200, { sha: head, tree: { sha: sha("t") } })
    .post("/repos/acme/widgets/git/trees", (body) => (trees.push(body), true))
    .reply(201, { sha: sha("u") })
    .post("/repos/acme/widgets/git/commits", (body) => body.parents[0] === head)
    .reply(201, { sha: sha("c") });
}

describe("commitRunLog with the script's inputs file", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });

  it("adds the log and deletes the script and its inputs file in one commit (a first try looks nothing up)", async () => {
    const trees: any[] = [];
    commitsOnto(sha("a"), trees)
      .get("/repos/acme/widgets/git/ref/heads%2Fmain")
      .reply(200, { object: { sha: sha("a") } })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain", { sha: sha("c"), force: false })
      .reply(200, { object: { sha: sha("c") } });
    expect(await commitRunLog(octokit(), { ...change, firstTry: true })).toEqual({ kind: "commit", commit: sha("c"), created: true });
    expect(trees).toEqual([
      {
        base_tree: sha("t"),
        tree: [
          { path: change.logPath, mode: "100644", type: "blob", content: change.log },
          { path: change.scriptPath, mode: "100644", type: "blob", sha: null },
          { path: INPUTS, mode: "100644", type: "blob", sha: null },
        ],
      },
    ]);
  });

  it("is not done while the inputs file is still there: a retry deletes it with nothing else to delete", async () => {
    const trees: any[] = [];
    mainAt(sha("a"), { log: change.log, script: false, inputs: true });
    nock(API).get("/repos/acme/widgets/git/ref/heads%2Fchorebot%2Fcleanup-r1").reply(404, { message: "Not Found" });
    commitsOnto(sha("a"), trees)
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(200, { object: { sha: sha("c") } });
    expect(await commitRunLog(octokit(), change)).toEqual({ kind: "commit", commit: sha("c"), created: true });
    expect(trees[0].tree).toEqual([
      { path: change.logPath, mode: "100644", type: "blob", content: change.log },
      { path: INPUTS, mode: "100644", type: "blob", sha: null },
    ]);
  });

  it("writes nothing once the log is there and both files are gone", async () => {
    mainAt(sha("a"), { log: change.log, script: false, inputs: false });
    expect(await commitRunLog(octokit(), change)).toEqual({ kind: "commit", commit: sha("a"), created: false });
  });

  it("in pull_request mode, the cleanup branch's one commit deletes both files too", async () => {
    const trees: any[] = [];
    mainAt(sha("a"), { log: null, script: true, inputs: true });
    nock(API).get("/repos/acme/widgets/git/ref/heads%2Fchorebot%2Fcleanup-r1").reply(404, { message: "Not Found" });
    commitsOnto(sha("a"), trees)
      .post("/repos/acme/widgets/git/refs", { ref: "refs/heads/chorebot/cleanup-r1", sha: sha("c") })
      .reply(201, {})
      .get("/repos/acme/widgets/pulls")
      .query({ head: "acme:chorebot/cleanup-r1", base: "main", state: "open" })
      .reply(200, [])
      .post("/repos/acme/widgets/pulls")
      .reply(201, { number: 7, html_url: "https://github.com/acme/widgets/pull/7", node_id: "PR_kwDO7", auto_merge: null })
      .get("/repos/acme/widgets")
      .reply(200, { allow_auto_merge: false });
    expect(await commitRunLog(octokit(), { ...change, mode: "pull_request" })).toMatchObject({ kind: "pull_request", commit: sha("c"), number: 7 });
    expect(trees[0].tree.filter((entry: { sha?: null }) => entry.sha === null).map((entry: { path: string }) => entry.path)).toEqual([
      change.scriptPath,
      INPUTS,
    ]);
  });
});
