import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { commitRunLog } from "../../../src/github/commit-run-log.js";
import { TestOctokit } from "../../helpers/test-probot.js";

const API = "https://api.github.com";
const change = {
  owner: "acme",
  repo: "widgets",
  branch: "main",
  logPath: "logs/fix-abc1234.md",
  log: "# log\n",
  scriptPath: "scripts/fix.ts",
  message: "chorebot: scripts/fix.ts succeeded",
};
const sha = (c: string) => c.repeat(40);
const octokit = () => new TestOctokit({ auth: "token" });
const file = (path: string, content: string) => ({ type: "file", path, encoding: "base64", content: Buffer.from(content).toString("base64") });

function headAt(head: string, { log, script }: { log: string | null; script: boolean }) {
  const scope = nock(API).get("/repos/acme/widgets/git/ref/heads%2Fmain").reply(200, { object: { sha: head } });
  const contents = (path: string) => new RegExp(`/repos/acme/widgets/contents/${path.replace("/", "(/|%2F)")}\\?ref=${head}`);
  scope.get(contents(change.logPath)).reply(log === null ? 404 : 200, log === null ? { message: "Not Found" } : file(change.logPath, log));
  scope.get(contents(change.scriptPath)).reply(script ? 200 : 404, script ? file(change.scriptPath, "console.log(1)") : { message: "Not Found" });
  return scope;
}

describe("commitRunLog", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("adds the log and deletes the script in one commit, without forcing", async () => {
    let treeBody: any;
    let refBody: any;
    headAt(sha("a"), { log: null, script: true })
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { sha: sha("a"), tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees", (body) => ((treeBody = body), true))
      .reply(201, { sha: sha("u") })
      .post("/repos/acme/widgets/git/commits", { message: change.message, tree: sha("u"), parents: [sha("a")] })
      .reply(201, { sha: sha("c") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain", (body) => ((refBody = body), true))
      .reply(200, { object: { sha: sha("c") } });

    expect(await commitRunLog(octokit(), change)).toEqual({ commit: sha("c"), created: true });
    expect(treeBody).toEqual({
      base_tree: sha("t"),
      tree: [
        { path: change.logPath, mode: "100644", type: "blob", content: change.log },
        { path: change.scriptPath, mode: "100644", type: "blob", sha: null },
      ],
    });
    expect(refBody).toEqual({ sha: sha("c"), force: false });
  });

  it("writes nothing when the branch already has this log and no script (a retried cleanup)", async () => {
    headAt(sha("a"), { log: change.log, script: false });
    expect(await commitRunLog(octokit(), change)).toEqual({ commit: sha("a"), created: false });
  });

  it("rebuilds the commit on the new head when the branch moved (422 not a fast forward)", async () => {
    headAt(sha("a"), { log: null, script: true })
      .get(`/repos/acme/widgets/git/commits/${sha("a")}`)
      .reply(200, { tree: { sha: sha("t") } })
      .post("/repos/acme/widgets/git/trees")
      .reply(201, { sha: sha("u") })
      .post("/repos/acme/widgets/git/commits")
      .reply(201, { sha: sha("c") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(422, { message: "Update is not a fast forward" });
    headAt(sha("b"), { log: null, script: true })
      .get(`/repos/acme/widgets/git/commits/${sha("b")}`)
      .reply(200, { tree: { sha: sha("s") } })
      .post("/repos/acme/widgets/git/trees", (body) => body.base_tree === sha("s"))
      .reply(201, { sha: sha("v") })
      .post("/repos/acme/widgets/git/commits", (body) => body.parents[0] === sha("b"))
      .reply(201, { sha: sha("d") })
      .patch("/repos/acme/widgets/git/refs/heads%2Fmain")
      .reply(200, { object: { sha: sha("d") } });

    expect(await commitRunLog(octokit(), change)).toEqual({ commit: sha("d"), created: true });
  });
});
