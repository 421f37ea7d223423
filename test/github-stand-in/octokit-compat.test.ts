import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAppKey } from "../helpers/app-key.js";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";

/** Probot's Octokit, minus the one-second spacing between writes and with millisecond retry backoff. */
const FastOctokit = ProbotOctokit.defaults((options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
  ...options,
  retry: { ...options?.retry, retryAfterBaseValue: 1 },
  throttle: { ...options?.throttle, enabled: false },
}));

/**
 * The stand-in must satisfy the real client stack the app uses: Probot (auth-app JWT →
 * installation token), Octokit's URL encoding of path parameters, pagination and retries.
 */
describe("GitHub stand-in with Probot's Octokit", () => {
  let gh: GitHubStandIn;
  let probot: Probot;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    probot = new Probot({
      appId: 4242,
      privateKey: generateAppKey(),
      secret: "compat-secret",
      baseUrl: gh.baseUrl,
      Octokit: FastOctokit,
      log: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await gh.close();
  });

  it("serves the calls chorebot makes, with Octokit's encoding", async () => {
    const octokit = await probot.auth(gh.installationId);
    const { owner, repo } = gh;
    const merged = await gh.mergePullRequest({
      files: { "scripts/nested/dir/job.ts": "export {};\n" },
      author: "alice",
      approvals: ["bob", "carol"],
    });

    const { data: compare } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${merged.before}...${merged.after}`,
    });
    expect(compare.files?.map((file) => [file.filename, file.status])).toEqual([["scripts/nested/dir/job.ts", "added"]]);
    // A commit's committer date dates its runs' log folder: both answers discover reads carry it.
    const { data: mergeCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: merged.after });
    expect(mergeCommit.committer.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(compare.commits.find((listed) => listed.sha === merged.after)?.commit.committer?.date).toBe(mergeCommit.committer.date);

    const { data: content } = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: "scripts/nested/dir/job.ts",
      ref: merged.after,
    });
    expect(!Array.isArray(content) && content.type === "file" && Buffer.from(content.content, "base64").toString()).toBe("export {};\n");

    const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: merged.after,
    });
    expect(pulls.map((pull) => [pull.number, pull.merge_commit_sha, pull.base.ref])).toEqual([[merged.number, merged.after, "main"]]);
    const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
      owner,
      repo,
      pull_number: merged.number,
      per_page: 1,
    });
    expect(reviews.map((review) => review.user?.login)).toEqual(["bob", "carol"]);
    gh.setPermission("carol", "triage");
    const { data: carol } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: "carol" });
    expect([carol.permission, carol.role_name, carol.user?.permissions?.push]).toEqual(["read", "triage", false]);
    const bot = octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: "chorebot[bot]" });
    await expect(bot).rejects.toMatchObject({ status: 404, message: expect.stringContaining("is not a user") });

    const { data: ref } = await octokit.rest.git.getRef({ owner, repo, ref: "heads/main" });
    const { data: head } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha });
    const { data: tree } = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: head.tree.sha,
      tree: [
        { path: "runs/job.md", mode: "100644", type: "blob", content: "# ran\n" },
        { path: "scripts/nested/dir/job.ts", mode: "100644", type: "blob", sha: null },
      ],
    });
    const { data: commit } = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: "Run log",
      tree: tree.sha,
      parents: [ref.object.sha],
    });
    await octokit.rest.git.updateRef({ owner, repo, ref: "heads/main", sha: commit.sha, force: false });
    expect(await gh.listFiles("main", "scripts")).toEqual(["scripts/.gitkeep"]);
    expect(await gh.readFile("main", "runs/job.md")).toBe("# ran\n");

    const stale = octokit.rest.git.updateRef({ owner, repo, ref: "heads/main", sha: ref.object.sha, force: false });
    await expect(stale).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Update is not a fast forward") });

    const missing = octokit.rest.repos.getContent({ owner, repo, path: "scripts/gone.ts", ref: commit.sha });
    await expect(missing).rejects.toMatchObject({ status: 404 });

    const paths = gh.requests.map((request) => `${request.method} ${request.path}`);
    expect(paths).toContain(`POST /app/installations/${gh.installationId}/access_tokens`);
    expect(paths).toContain(`GET /repos/${owner}/${repo}/contents/scripts%2Fnested%2Fdir%2Fjob.ts`);
  });

  it("Octokit's retry plugin rides over an injected 5xx", async () => {
    const octokit = await probot.auth(gh.installationId);
    gh.failNext({ method: "GET", path: /^\/repos\/acme\/widgets$/, status: 500 });
    const { data } = await octokit.rest.repos.get({ owner: gh.owner, repo: gh.repo });
    expect(data.default_branch).toBe("main");
    expect(gh.requests.filter((r) => r.path === "/repos/acme/widgets").map((r) => r.status)).toEqual([500, 200]);
  });
});
