import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAppKey } from "../helpers/app-key.js";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, tokenHeader, type Api } from "./test-client.js";

const annotation = (line: number) => ({
  path: "scripts/job.ts",
  start_line: line,
  end_line: line,
  annotation_level: "failure",
  message: `problem on line ${line}`,
});

describe("GitHub stand-in: open PRs, checks, comments, protection, auto-merge", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("openPullRequest records an open PR that follows pushes; files and list endpoints see it", async () => {
    const opened = await gh.openPullRequest({
      files: { "scripts/job.ts": "a\nb\n", "README.md": "# widgets\n" },
      author: "alice",
      approvals: ["bob"],
    });
    expect(opened).toMatchObject({ number: expect.any(Number), head: `pr-${opened.number}`, baseSha: await gh.head() });
    expect(await gh.head(opened.head)).toBe(opened.headSha);

    const got = await api("GET", `${repoPath()}/pulls/${opened.number}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      number: opened.number,
      node_id: expect.stringMatching(/^PR_/),
      state: "open",
      merged: false,
      merged_at: null,
      merge_commit_sha: null,
      auto_merge: null,
      user: { login: "alice" },
      head: { ref: opened.head, sha: opened.headSha },
      base: { ref: "main", sha: opened.baseSha },
      html_url: expect.stringContaining(`/pull/${opened.number}`),
    });

    const files = await api("GET", `${repoPath()}/pulls/${opened.number}/files?per_page=1`);
    expect(files.status).toBe(200);
    expect(files.body).toHaveLength(1);
    expect(files.headers.get("link")).toContain('rel="next"');
    const all = await api("GET", `${repoPath()}/pulls/${opened.number}/files`);
    expect(all.body.map((f: { filename: string; status: string }) => [f.filename, f.status]).sort()).toEqual([
      ["README.md", "modified"],
      ["scripts/job.ts", "added"],
    ]);
    expect(all.body.find((f: { filename: string }) => f.filename === "scripts/job.ts")).toMatchObject({
      additions: 2,
      deletions: 0,
      changes: 2,
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });

    const newHead = await gh.pushToPullRequest(opened.number, { "scripts/job.ts": null, "scripts/renamed.ts": "a\nb\n" });
    const record = gh.pullRequest(opened.number);
    expect(record).toMatchObject({ state: "open", headSha: newHead, previousHeadSha: opened.headSha });
    expect(record.reviews).toEqual([expect.objectContaining({ user: "bob", state: "APPROVED", commitId: opened.headSha })]);
    const afterPush = await api("GET", `${repoPath()}/pulls/${opened.number}/files`);
    expect(afterPush.body.map((f: { filename: string }) => f.filename).sort()).toEqual(["README.md", "scripts/renamed.ts"]);

    const listed = await api("GET", `${repoPath()}/pulls?head=${gh.owner}:${opened.head}`);
    expect(listed.body.map((pr: { number: number }) => pr.number)).toEqual([opened.number]);
    expect((await api("GET", `${repoPath()}/pulls?state=closed&head=${gh.owner}:${opened.head}`)).body).toEqual([]);
    expect((await api("GET", `${repoPath()}/pulls?base=nope`)).body).toEqual([]);

    const before = await gh.head();
    const merged = await gh.mergeOpenPullRequest(opened.number, { merge: "squash" });
    expect(merged.before).toBe(before);
    expect(await gh.head()).toBe(merged.after);
    expect(await gh.readFile("main", "scripts/renamed.ts")).toBe("a\nb\n");
    const closed = await api("GET", `${repoPath()}/pulls/${opened.number}`);
    expect(closed.body).toMatchObject({ state: "closed", merged: true, merge_commit_sha: merged.after });
    await expect(gh.mergeOpenPullRequest(opened.number)).rejects.toThrow(/not open/);
  });

  it("POST /pulls opens a PR as the bot; a second one for the same head is a 422", async () => {
    await gh.commitFiles({ branch: "chorebot/fix", files: { "scripts/fix.ts": "x\n" } });
    const body = { title: "Fix", head: `${gh.owner}:chorebot/fix`, base: "main", body: "Details" };
    const created = await api("POST", `${repoPath()}/pulls`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      title: "Fix",
      body: "Details",
      state: "open",
      merged: false,
      user: { login: "chorebot[bot]", type: "Bot" },
      head: { ref: "chorebot/fix" },
      base: { ref: "main" },
    });
    const again = await api("POST", `${repoPath()}/pulls`, { ...body, head: "chorebot/fix" });
    expect(again.status).toBe(422);
    expect(again.body.message).toBe("Validation Failed");
    expect(again.body.errors[0].message).toBe(`A pull request already exists for ${gh.owner}:chorebot/fix.`);
    expect((await api("POST", `${repoPath()}/pulls`, { ...body, head: "missing" })).status).toBe(422);
    expect((await api("POST", `${repoPath()}/pulls`, { ...body, head: "main" })).status).toBe(422);
    expect(gh.pullRequest(created.body.number).user).toBe("chorebot[bot]");
  });

  it("check runs: create, annotations append, conclusion rules, list by ref, helper", async () => {
    const { headSha } = await gh.openPullRequest({ files: { "scripts/check.ts": "1\n" } });
    const created = await api("POST", `${repoPath()}/check-runs`, {
      name: "chorebot",
      head_sha: headSha,
      status: "in_progress",
      external_id: "run-1",
      output: { title: "Checking", summary: "Working", annotations: [annotation(1)] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(Number),
      name: "chorebot",
      head_sha: headSha,
      status: "in_progress",
      conclusion: null,
      external_id: "run-1",
      html_url: expect.any(String),
      output: { title: "Checking", summary: "Working", text: null, annotations_count: 1 },
      app: { slug: "chorebot" },
    });
    expect(created.body.pull_requests).toHaveLength(1);
    const id = created.body.id as number;

    const tooMany = await api("PATCH", `${repoPath()}/check-runs/${id}`, {
      output: { summary: "x", annotations: Array.from({ length: 51 }, (_, i) => annotation(i + 1)) },
    });
    expect(tooMany.status).toBe(422);
    const noConclusion = await api("PATCH", `${repoPath()}/check-runs/${id}`, { status: "completed" });
    expect(noConclusion.status).toBe(422);
    expect(noConclusion.body).toMatchObject({ message: expect.stringContaining("conclusion"), documentation_url: expect.any(String) });

    const updated = await api("PATCH", `${repoPath()}/check-runs/${id}`, {
      status: "completed",
      conclusion: "failure",
      output: { title: "Failed", summary: "2 problems", text: "details", annotations: [annotation(2), annotation(3)] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      status: "completed",
      conclusion: "failure",
      completed_at: expect.any(String),
      output: { title: "Failed", summary: "2 problems", text: "details", annotations_count: 3 },
    });

    const annotations = await api("GET", `${repoPath()}/check-runs/${id}/annotations`);
    expect(annotations.body.map((a: { start_line: number }) => a.start_line)).toEqual([1, 2, 3]);

    await api("POST", `${repoPath()}/check-runs`, { name: "other", head_sha: headSha, conclusion: "success" });
    const listed = await api("GET", `${repoPath()}/commits/${headSha}/check-runs`);
    expect(listed.body.total_count).toBe(2);
    const filtered = await api("GET", `${repoPath()}/commits/${headSha}/check-runs?check_name=chorebot`);
    expect(filtered.body).toMatchObject({ total_count: 1, check_runs: [{ id }] });
    expect((await api("POST", `${repoPath()}/check-runs`, { name: "x", head_sha: "f".repeat(40) })).status).toBe(422);

    const [stored] = gh.checkRuns(headSha);
    expect(stored).toMatchObject({ id, name: "chorebot", status: "completed", conclusion: "failure" });
    expect(stored!.annotations).toEqual([1, 2, 3].map(annotation));
    expect(gh.checkRuns().length).toBeGreaterThanOrEqual(2);

    const payload = gh.checkRunPayload({ checkRunId: id, action: "rerequested" }) as any;
    expect(payload).toMatchObject({
      action: "rerequested",
      check_run: { id, head_sha: headSha, name: "chorebot" },
      installation: { id: gh.installationId },
      repository: { full_name: `${gh.owner}/${gh.repo}` },
    });
    expect(payload.check_run.pull_requests).toEqual([expect.objectContaining({ number: expect.any(Number), head: expect.objectContaining({ sha: headSha }) })]);
    expect(JSON.stringify(payload)).not.toContain("api.github.com");
  });

  it("issue comments: create, edit, paginated list, helper", async () => {
    const { number } = await gh.openPullRequest({ files: { "scripts/comment.ts": "1\n" } });
    const first = await api("POST", `${repoPath()}/issues/${number}/comments`, { body: "one" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      body: "one",
      user: { login: "chorebot[bot]", type: "Bot" },
      html_url: expect.stringContaining(`/pull/${number}#issuecomment-`),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    await api("POST", `${repoPath()}/issues/${number}/comments`, { body: "two" });
    const edited = await api("PATCH", `${repoPath()}/issues/comments/${first.body.id}`, { body: "uno" });
    expect(edited).toMatchObject({ status: 200, body: { id: first.body.id, body: "uno" } });
    const page = await api("GET", `${repoPath()}/issues/${number}/comments?per_page=1`);
    expect(page.body.map((c: { body: string }) => c.body)).toEqual(["uno"]);
    expect(page.headers.get("link")).toContain('rel="last"');
    expect(gh.comments(number)).toEqual([
      { id: first.body.id, body: "uno", user: "chorebot[bot]" },
      { id: expect.any(Number), body: "two", user: "chorebot[bot]" },
    ]);
    expect((await api("POST", `${repoPath()}/issues/${number}/comments`, {})).status).toBe(422);
    expect((await api("POST", `${repoPath()}/issues/99999/comments`, { body: "x" })).status).toBe(404);
  });

  it("pull_request payloads carry the stand-in's PR and repository", async () => {
    const opened = await gh.openPullRequest({ files: { "scripts/payload.ts": "1\n" }, author: "carol" });
    const pushed = await gh.pushToPullRequest(opened.number, { "scripts/payload.ts": "2\n" });
    const payload = gh.pullRequestPayload({ number: opened.number, action: "synchronize" }) as any;
    expect(payload).toMatchObject({
      action: "synchronize",
      number: opened.number,
      before: opened.headSha,
      after: pushed,
      pull_request: { number: opened.number, state: "open", head: { sha: pushed, ref: opened.head }, user: { login: "carol" } },
      sender: { login: "carol" },
      installation: { id: gh.installationId },
    });
    const openedPayload = gh.pullRequestPayload({ number: opened.number, action: "opened" }) as any;
    expect(openedPayload.action).toBe("opened");
    expect(openedPayload.before).toBeUndefined();
    expect(JSON.stringify(openedPayload)).not.toContain("api.github.com");
  });

  it("protected branches reject API ref updates but not helper merges", async () => {
    gh.protectBranch();
    const before = await gh.head();
    const { headSha, number } = await gh.openPullRequest({ files: { "scripts/protected.ts": "1\n" } });
    const moved = await api("PATCH", `${repoPath()}/git/refs/heads/main`, { sha: headSha });
    expect(moved.status).toBe(422);
    expect(moved.body).toMatchObject({
      message: "Protected branch update failed for refs/heads/main.",
      documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference",
    });
    expect(await gh.head()).toBe(before);
    const merged = await gh.mergeOpenPullRequest(number);
    expect(await gh.head()).toBe(merged.after);
    gh.unprotectBranch();
    await gh.commitFiles({ branch: "ff", files: { "x.txt": "x\n" } });
    const ff = await api("PATCH", `${repoPath()}/git/refs/heads/main`, { sha: await gh.head("ff") });
    expect(ff.status).toBe(200);
  });

  it("GraphQL auto-merge is refused when the repository does not allow it", async () => {
    const { number } = await gh.openPullRequest({ files: { "scripts/auto.ts": "1\n" } });
    const nodeId = (await api("GET", `${repoPath()}/pulls/${number}`)).body.node_id;
    expect((await api("GET", repoPath())).body.allow_auto_merge).toBe(false);
    const response = await fetch(`http://${gh.host}/api/graphql`, {
      method: "POST",
      headers: { authorization: await tokenHeader(gh), "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { pullRequest { number } } }`,
        variables: { id: nodeId },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { enablePullRequestAutoMerge: null },
      errors: [
        {
          type: "UNPROCESSABLE",
          message: "Pull request Auto merge is not allowed for this repository",
          path: ["enablePullRequestAutoMerge"],
        },
      ],
    });
    const unauthenticated = await fetch(`http://${gh.host}/api/graphql`, { method: "POST", body: "{}" });
    expect(unauthenticated.status).toBe(401);
    expect((await fetch(`${gh.baseUrl}/graphql`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("GitHub stand-in: auto-merge through Probot's octokit.graphql", () => {
  let gh: GitHubStandIn;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ allowAutoMerge: true });
  });
  afterAll(async () => {
    await gh.close();
  });

  it("enablePullRequestAutoMerge records auto_merge on the PR", async () => {
    const probot = new Probot({
      appId: 4242,
      privateKey: generateAppKey(),
      secret: "secret",
      baseUrl: gh.baseUrl,
      Octokit: ProbotOctokit.defaults({ throttle: { enabled: false } }),
      log: pino({ level: "silent" }),
    });
    const octokit = await probot.auth(gh.installationId);
    const { owner, repo } = gh;
    const { number } = await gh.openPullRequest({ files: { "scripts/auto.ts": "1\n" } });
    const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    expect((await octokit.rest.repos.get({ owner, repo })).data.allow_auto_merge).toBe(true);

    const result = await octokit.graphql<any>(
      `mutation($input: EnablePullRequestAutoMergeInput!) {
        enablePullRequestAutoMerge(input: $input) { pullRequest { number autoMergeRequest { enabledAt mergeMethod } } }
      }`,
      { input: { pullRequestId: pr.node_id, mergeMethod: "SQUASH" } },
    );
    expect(result.enablePullRequestAutoMerge.pullRequest).toMatchObject({
      number,
      autoMergeRequest: { enabledAt: expect.any(String), mergeMethod: "SQUASH" },
    });
    const { data: after } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    expect(after.auto_merge).toMatchObject({ merge_method: "squash", enabled_by: { login: "chorebot[bot]" } });
    expect(gh.pullRequest(number).autoMerge).toMatchObject({ mergeMethod: "squash" });
    expect(gh.requests).toContainEqual(expect.objectContaining({ method: "POST", path: "/api/graphql", status: 200 }));

    // Variables declared with the input field names, inline input object (how chorebot writes it).
    const second = await gh.openPullRequest({ files: { "scripts/auto2.ts": "1\n" } });
    const secondNodeId = (await octokit.rest.pulls.get({ owner, repo, pull_number: second.number })).data.node_id;
    const inline = await octokit.graphql<any>(
      `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
        enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) { pullRequest { number } }
      }`,
      { pullRequestId: secondNodeId, mergeMethod: "MERGE" },
    );
    expect(inline.enablePullRequestAutoMerge.pullRequest.number).toBe(second.number);
    expect(gh.pullRequest(second.number).autoMerge).toMatchObject({ mergeMethod: "merge" });

    await expect(octokit.graphql(`query { viewer { login } }`)).rejects.toThrow(/supports only/);
  });
});
