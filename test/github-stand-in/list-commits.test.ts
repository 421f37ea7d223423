import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { standInOctokit } from "../unit/steps/step-fixtures.js";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, type Api } from "./test-client.js";

describe("GitHub stand-in: GET /repos/{owner}/{repo}/commits", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const commits = () => `/repos/${gh.owner}/${gh.repo}/commits`;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("lists the branch's history newest first, GitHub's commit shape, paged with a Link header", async () => {
    const first = await gh.commitFiles({ files: { "a.txt": "1\n" }, author: "alice" });
    const second = await gh.commitFiles({ files: { "b.txt": "2\n" }, author: "alice" });
    const all = await api("GET", commits());
    expect(all.status).toBe(200);
    expect(all.body.slice(0, 2).map((commit: { sha: string }) => commit.sha)).toEqual([second, first]);
    expect(all.body[0]).toMatchObject({
      sha: second,
      commit: { author: { name: expect.any(String) }, committer: { date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) } },
      parents: [{ sha: first }],
    });
    const paged = await api("GET", `${commits()}?per_page=1&page=2`);
    expect(paged.body.map((commit: { sha: string }) => commit.sha)).toEqual([first]);
    expect(paged.headers.get("link")).toMatch(/rel="next".*rel="last".*rel="first"/);
  });

  it("with path: only the commits that changed it; a merge that took the pull request's version is not one", async () => {
    const direct = await gh.commitFiles({ files: { "chores/x.ts": "export {};\n" } });
    const merged = await gh.mergePullRequest({ files: { "chores/x.ts": "export const x = 1;\n" }, approvals: ["bob"] });
    await gh.commitFiles({ files: { "other.txt": "unrelated\n" } });
    const touching = await api("GET", `${commits()}?path=chores/x.ts`);
    expect(touching.body.map((commit: { sha: string }) => commit.sha)).toEqual([merged.headSha, direct]);
    const atDirect = await api("GET", `${commits()}?sha=${direct}&path=chores/x.ts&per_page=1`);
    expect(atDirect.body.map((commit: { sha: string }) => commit.sha)).toEqual([direct]);
    expect((await api("GET", `${commits()}?path=no/such/file`)).body).toEqual([]);
    expect((await api("GET", `${commits()}?sha=no-such-branch`)).status).toBe(404);
  });

  it("answers Octokit's listCommits (a squash commit is its own change)", async () => {
    const octokit = await standInOctokit(gh);
    const squashed = await gh.mergePullRequest({ files: { "chores/y.ts": "export {};\n" }, approvals: ["bob"], merge: "squash" });
    const { data } = await octokit.rest.repos.listCommits({ owner: gh.owner, repo: gh.repo, sha: squashed.after, path: "chores/y.ts", per_page: 1 });
    expect(data.map((commit) => commit.sha)).toEqual([squashed.after]);
  });
});
