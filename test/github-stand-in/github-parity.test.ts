import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, type Api } from "./test-client.js";

/**
 * Where chorebot's provenance checks depend on GitHub's behaviour, the stand-in does what
 * docs.github.com documents: response shapes, status codes, caps, pagination, merge methods.
 */

/** rel → page number of a Link header. */
function links(header: string | null): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [, url, rel] of (header ?? "").matchAll(/<([^>]+)>; rel="(\w+)"/g)) {
    found[rel!] = Number(new URL(url!).searchParams.get("page"));
  }
  return found;
}

describe("GitHub stand-in parity: permissions, association lag, merge methods, trees", () => {
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

  it("collaborators/{username}/permission: legacy base permission, role_name, collaborator with permissions", async () => {
    const permission = (login: string) => api("GET", `${repoPath()}/collaborators/${encodeURIComponent(login)}/permission`);

    // Never set: "write" (a test convenience); the owner: "admin".
    const anyone = await permission("someone");
    expect(anyone.status).toBe(200);
    expect(anyone.body).toMatchObject({
      permission: "write",
      role_name: "write",
      user: {
        login: "someone",
        id: expect.any(Number),
        type: "User",
        site_admin: false,
        role_name: "write",
        permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
      },
    });
    expect((await permission(gh.owner)).body).toMatchObject({ permission: "admin", role_name: "admin" });

    // GitHub maps maintain → write and triage → read; role_name keeps the role.
    const expected = {
      admin: ["admin", { admin: true, maintain: true, push: true, triage: true, pull: true }],
      maintain: ["write", { admin: false, maintain: true, push: true, triage: true, pull: true }],
      write: ["write", { admin: false, maintain: false, push: true, triage: true, pull: true }],
      triage: ["read", { admin: false, maintain: false, push: false, triage: true, pull: true }],
      read: ["read", { admin: false, maintain: false, push: false, triage: false, pull: true }],
      none: ["none", { admin: false, maintain: false, push: false, triage: false, pull: false }],
    } as const;
    for (const [role, [base, permissions]] of Object.entries(expected)) {
      gh.setPermission(`user-${role}`, role as keyof typeof expected);
      const got = await permission(`user-${role}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        permission: base,
        role_name: role,
        user: expect.objectContaining({ login: `user-${role}`, permissions, role_name: role }),
      });
    }

    // Logins are case-insensitive; the answer spells the login as GitHub knows it.
    gh.setPermission("Mallory", "read");
    expect((await permission("mallory")).body).toMatchObject({ permission: "read", user: { login: "Mallory" } });

    // An app's bot is not a user: GitHub's 404, never a role.
    const bot = await permission("dependabot[bot]");
    expect(bot.status).toBe(404);
    expect(bot.body).toMatchObject({ message: "dependabot[bot] is not a user", documentation_url: expect.any(String) });
    expect(() => gh.setPermission("chorebot[bot]", "write")).toThrow(/apps cannot be/);

    expect((await api("GET", `/repos/${gh.owner}/elsewhere/collaborators/someone/permission`)).status).toBe(404);
    const anonymous = await fetch(`${gh.baseUrl}${repoPath()}/collaborators/someone/permission`);
    expect(anonymous.status).toBe(401);
  });

  it("lagPullAssociations: the next requests for commits/{sha}/pulls answer [] (200), then the PR", async () => {
    const merged = await gh.mergePullRequest({ files: { "scripts/lagged.ts": "1;\n" }, approvals: ["bob"] });
    gh.lagPullAssociations(2);
    // An unknown commit is still a 422 and does not use up the lag.
    expect((await api("GET", `${repoPath()}/commits/${"f".repeat(40)}/pulls`)).status).toBe(422);
    for (let i = 0; i < 2; i++) {
      const lagging = await api("GET", `${repoPath()}/commits/${merged.after}/pulls`);
      expect(lagging).toMatchObject({ status: 200, body: [] });
    }
    const settled = await api("GET", `${repoPath()}/commits/${merged.after}/pulls`);
    expect(settled.body.map((pr: { number: number }) => pr.number)).toEqual([merged.number]);
  });

  it("rebase merges replay each PR commit onto the base; merge_commit_sha is the last, every one lists the PR", async () => {
    const before = await gh.head();
    const merged = await gh.mergePullRequest({
      files: { "scripts/r1.ts": "1;\n" },
      commits: [{ "scripts/r2.ts": "2;\n" }, { "scripts/r1.ts": "1b;\n" }],
      author: "alice",
      approvals: ["bob"],
      merge: "rebase",
    });
    expect(merged.before).toBe(before);
    expect(await gh.head()).toBe(merged.after);

    const record = gh.pullRequest(merged.number);
    expect(record.commits).toHaveLength(3);
    expect(record.commits.at(-1)).toBe(merged.headSha);
    expect(record.rebasedCommits).toHaveLength(3);
    expect(record.rebasedCommits.at(-1)).toBe(merged.after);
    expect(record.rebasedCommits.some((sha) => record.commits.includes(sha))).toBe(false);
    expect(record.mergeCommitSha).toBe(merged.after);

    // A straight line on main: no merge commit; same messages, authors and changes as the PR's commits.
    const history = (await gh.commits()).slice(0, 3).reverse();
    expect(history.map((c) => c.sha)).toEqual(record.rebasedCommits);
    expect(history[0]!.parents).toEqual([before]);
    for (const [i, sha] of record.rebasedCommits.entries()) {
      const [rebased, original] = await Promise.all([sha, record.commits[i]!].map(async (s) => (await api("GET", `${repoPath()}/git/commits/${s}`)).body));
      expect(rebased.message).toBe(original.message);
      expect(rebased.author).toEqual(original.author);
      expect(rebased.committer).toMatchObject({ name: "alice", email: expect.stringContaining("+alice@") });
      expect(rebased.tree.sha).toBe(original.tree.sha);
    }

    const pull = await api("GET", `${repoPath()}/pulls/${merged.number}`);
    expect(pull.body).toMatchObject({ merged: true, merge_commit_sha: merged.after, head: { sha: merged.headSha }, commits: 3 });
    for (const sha of [...record.rebasedCommits, merged.headSha]) {
      const pulls = await api("GET", `${repoPath()}/commits/${sha}/pulls`);
      expect(pulls.body.map((pr: { number: number; merge_commit_sha: string }) => [pr.number, pr.merge_commit_sha])).toEqual([[merged.number, merged.after]]);
    }
    const files = await api("GET", `${repoPath()}/pulls/${merged.number}/files`);
    expect(files.body.map((f: { filename: string }) => f.filename).sort()).toEqual(["scripts/r1.ts", "scripts/r2.ts"]);
  });

  it("a rebase merge onto a moved base applies each commit's own change on top of it", async () => {
    const opened = await gh.openPullRequest({ files: { "scripts/moved-a.ts": "a;\n" }, author: "carol" });
    await gh.pushToPullRequest(opened.number, { "scripts/moved-b.ts": "b;\n" });
    const moved = await gh.commitFiles({ files: { "docs/elsewhere.md": "main moved\n" } });
    const { before, after } = await gh.mergeOpenPullRequest(opened.number, { merge: "rebase" });
    expect(before).toBe(moved);
    const [tip, first] = await gh.commits();
    expect(tip!.sha).toBe(after);
    expect(first!.parents).toEqual([moved]);
    expect(await gh.listFiles(after, "scripts")).toEqual(expect.arrayContaining(["scripts/moved-a.ts", "scripts/moved-b.ts"]));
    expect(await gh.readFile(after, "docs/elsewhere.md")).toBe("main moved\n");
    expect(await gh.listFiles(first!.sha, "scripts")).not.toContain("scripts/moved-b.ts");

    // A commit that no longer applies is refused and main does not move.
    const conflicting = await gh.openPullRequest({ files: { "docs/elsewhere.md": "theirs\n" } });
    await gh.commitFiles({ files: { "docs/elsewhere.md": "ours\n" } });
    const tipBefore = await gh.head();
    await expect(gh.mergeOpenPullRequest(conflicting.number, { merge: "rebase" })).rejects.toThrow(/does not apply cleanly/);
    expect(await gh.head()).toBe(tipBefore);
  });

  it("mergeCommitFiles: an evil merge whose own changes are in neither parent nor in the PR's files", async () => {
    const merged = await gh.mergePullRequest({
      files: { "scripts/innocent.ts": "1;\n" },
      approvals: ["bob"],
      mergeCommitFiles: { "scripts/smuggled.ts": "rm -rf\n", "README.md": null },
    });
    const [tip] = await gh.commits();
    expect(tip).toMatchObject({ sha: merged.after, parents: [merged.before, merged.headSha] });
    expect(await gh.readFile(merged.after, "scripts/smuggled.ts")).toBe("rm -rf\n");
    expect(await gh.readFile(merged.after, "scripts/innocent.ts")).toBe("1;\n");
    expect(await gh.readFile(merged.after, "README.md")).toBeUndefined();
    for (const parent of [merged.before, merged.headSha]) {
      expect(await gh.readFile(parent, "scripts/smuggled.ts")).toBeUndefined();
      expect(await gh.readFile(parent, "README.md")).toBeDefined();
    }
    const files = await api("GET", `${repoPath()}/pulls/${merged.number}/files`);
    expect(files.body.map((f: { filename: string }) => f.filename)).toEqual(["scripts/innocent.ts"]);
    const compare = await api("GET", `${repoPath()}/compare/${merged.before}...${merged.after}`);
    expect(compare.body.files.map((f: { filename: string; status: string }) => [f.filename, f.status]).sort()).toEqual([
      ["README.md", "removed"],
      ["scripts/innocent.ts", "added"],
      ["scripts/smuggled.ts", "added"],
    ]);

    // Only a merge commit can carry its own changes; nothing is committed when asked otherwise.
    const tipBefore = await gh.head();
    for (const merge of ["squash", "rebase"] as const) {
      await expect(gh.mergePullRequest({ files: { "scripts/x.ts": "x\n" }, merge, mergeCommitFiles: { "y.ts": "y\n" } })).rejects.toThrow(
        /mergeCommitFiles needs merge "merge"/,
      );
    }
    expect(await gh.head()).toBe(tipBefore);
  });

  it("git/trees?recursive stops at the entry limit with truncated: true; non-recursive listings are never cut", async () => {
    await gh.commitFiles({ files: { "deep/a/1.txt": "1\n", "deep/a/2.txt": "2\n", "deep/b/3.txt": "3\n" } });
    const tree = async (query: string) => (await api("GET", `${repoPath()}/git/trees/main${query}`)).body;
    const full = await tree("?recursive=1");
    expect(full.truncated).toBe(false);
    expect(full.tree.length).toBeGreaterThan(5);

    gh.setTreeEntryLimit(4);
    for (const value of ["1", "0", "false"]) {
      // GitHub: any value of `recursive` turns recursion on.
      const cut = await tree(`?recursive=${value}`);
      expect(cut).toMatchObject({ sha: full.sha, truncated: true });
      expect(cut.tree).toEqual(full.tree.slice(0, 4));
    }
    gh.setTreeEntryLimit(1);
    const top = await tree("");
    expect(top.truncated).toBe(false);
    expect(top.tree.length).toBeGreaterThan(1);
    expect(top.tree.every((entry: { path: string }) => !entry.path.includes("/"))).toBe(true);

    gh.setTreeEntryLimit(null);
    expect(await tree("?recursive=1")).toEqual(full);
  });

  it("POST git/trees refuses to delete a path that is not there (422), in an existing folder or without base_tree", async () => {
    const base = (await api("GET", `${repoPath()}/git/commits/${await gh.head()}`)).body.tree.sha as string;
    for (const body of [
      { base_tree: base, tree: [{ path: "scripts/not-there.ts", mode: "100644", type: "blob", sha: null }] },
      { base_tree: base, tree: [{ path: "nowhere/not-there.ts", mode: "100644", type: "blob", sha: null }] },
      { tree: [{ path: "README.md", mode: "100644", type: "blob", sha: null }] },
    ]) {
      const refused = await api("POST", `${repoPath()}/git/trees`, body);
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ message: expect.any(String), documentation_url: expect.any(String) });
    }
    const deleted = await api("POST", `${repoPath()}/git/trees`, {
      base_tree: base,
      tree: [{ path: "scripts/.gitkeep", mode: "100644", type: "blob", sha: null }],
    });
    expect(deleted.status).toBe(201);
    expect(JSON.stringify(deleted.body.tree)).not.toContain(".gitkeep");
  });
});

describe("GitHub stand-in parity: latency", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  beforeAll(async () => {
    gh = await startGitHubStandIn({ latencyMs: 120 });
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("delays every answer, REST and GraphQL, records arrival times, and holds no mutex while waiting", async () => {
    const started = Date.now();
    const answer = await api("GET", repoPath());
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    const recorded = gh.requests.at(-1)!;
    expect(recorded).toMatchObject({ method: "GET", path: repoPath(), status: 200 });
    expect(recorded.at).toBeGreaterThanOrEqual(started - 5);
    expect(recorded.ms).toBeGreaterThanOrEqual(115);

    gh.setLatency(300);
    const graphql = Date.now();
    const mutation = await fetch(`http://${gh.host}/api/graphql`, { method: "POST", body: JSON.stringify({ query: "{ viewer { login } }" }) });
    expect(mutation.status).toBe(401);
    expect(Date.now() - graphql).toBeGreaterThanOrEqual(295);

    // Writes take the repository mutex; their waits overlap, and a helper commit goes ahead meanwhile.
    const count = gh.requests.length;
    const writes = Promise.all([1, 2, 3].map((i) => api("POST", `${repoPath()}/git/blobs`, { content: `blob ${i}` })));
    await gh.commitFiles({ files: { "during-latency.txt": "1\n" } });
    const helperDone = Date.now();
    const results = await writes;
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    const blobs = gh.requests.slice(count).filter((r) => r.path.endsWith("/git/blobs"));
    expect(blobs).toHaveLength(3);
    const firstEnd = Math.min(...blobs.map((r) => r.at + r.ms));
    expect(blobs.every((r) => r.at < firstEnd)).toBe(true);
    expect(helperDone).toBeLessThan(firstEnd);

    gh.setLatency(0);
    await api("GET", repoPath());
    expect(gh.requests.at(-1)!.ms).toBeLessThan(250);
  });
});

describe("GitHub stand-in parity: pagination and caps of list endpoints", () => {
  let gh: GitHubStandIn;
  let api: Api;
  const repoPath = () => `/repos/${gh.owner}/${gh.repo}`;

  /** Follows rel="next" from `path?per_page=1` and returns every page's items. */
  async function walk(path: string, items: (body: any) => unknown[] = (body) => body): Promise<unknown[]> {
    const all: unknown[] = [];
    let page = 1;
    for (;;) {
      const got = await api("GET", `${path}${path.includes("?") ? "&" : "?"}per_page=1&page=${page}`);
      expect(got.status).toBe(200);
      expect(items(got.body).length).toBeLessThanOrEqual(1);
      all.push(...items(got.body));
      const rels = links(got.headers.get("link"));
      if (page > 1) expect(rels).toMatchObject({ prev: page - 1, first: 1 });
      if (!rels.next) return all;
      expect(rels.next).toBe(page + 1);
      page = rels.next;
    }
  }

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    api = await client(gh);
  });
  afterAll(async () => {
    await gh.close();
  });

  it("reviews, PR files, pulls, commit→pulls, issue comments and check runs page with per_page and Link", async () => {
    const merged = await gh.mergePullRequest({
      files: { "scripts/p1.ts": "1\n", "scripts/p2.ts": "2\n", "scripts/p3.ts": "3\n" },
      reviews: [
        { user: "a", state: "COMMENTED" },
        { user: "b", state: "CHANGES_REQUESTED" },
        { user: "c", state: "APPROVED" },
      ],
    });
    const reviews = await walk(`${repoPath()}/pulls/${merged.number}/reviews`);
    expect(reviews.map((r: any) => r.user.login)).toEqual(["a", "b", "c"]);
    const files = await walk(`${repoPath()}/pulls/${merged.number}/files`);
    expect(files.map((f: any) => f.filename)).toEqual(["scripts/p1.ts", "scripts/p2.ts", "scripts/p3.ts"]);

    // Two open PRs on one head commit (two branches), so commit→pulls has two.
    const head = await gh.commitFiles({ branch: "shared-1", files: { "scripts/shared.ts": "s\n" } });
    await api("POST", `${repoPath()}/git/refs`, { ref: "refs/heads/shared-2", sha: head });
    const one = await api("POST", `${repoPath()}/pulls`, { title: "one", head: "shared-1", base: "main" });
    const two = await api("POST", `${repoPath()}/pulls`, { title: "two", head: "shared-2", base: "main" });
    const associated = await walk(`${repoPath()}/commits/${head}/pulls`);
    expect(associated.map((pr: any) => pr.number)).toEqual([two.body.number, one.body.number]);
    const open = await walk(`${repoPath()}/pulls`);
    expect(open.map((pr: any) => pr.number)).toEqual([two.body.number, one.body.number]);
    const all = await walk(`${repoPath()}/pulls?state=all&direction=asc`);
    expect(all.map((pr: any) => pr.number)).toEqual([merged.number, one.body.number, two.body.number]);
    // head filters only as "owner:branch"; a bare branch name is ignored, as on GitHub.
    expect((await api("GET", `${repoPath()}/pulls?head=${gh.owner}:shared-1`)).body.map((pr: any) => pr.number)).toEqual([one.body.number]);
    expect((await api("GET", `${repoPath()}/pulls?head=shared-1`)).body).toHaveLength(2);
    expect((await api("GET", `${repoPath()}/pulls?head=someone-else:shared-1`)).body).toEqual([]);

    for (const body of ["c1", "c2", "c3"]) await api("POST", `${repoPath()}/issues/${one.body.number}/comments`, { body });
    const comments = await walk(`${repoPath()}/issues/${one.body.number}/comments`);
    expect(comments.map((c: any) => c.body)).toEqual(["c1", "c2", "c3"]);

    for (const name of ["x", "y", "z"]) await api("POST", `${repoPath()}/check-runs`, { name, head_sha: head });
    const first = await api("GET", `${repoPath()}/commits/${head}/check-runs?per_page=1`);
    expect(first.body).toMatchObject({ total_count: 3, check_runs: [expect.objectContaining({ name: "z" })] });
    expect(links(first.headers.get("link"))).toEqual({ next: 2, last: 3 });
    const runs = await walk(`${repoPath()}/commits/${head}/check-runs`, (body) => body.check_runs);
    expect(runs.map((run: any) => run.name)).toEqual(["z", "y", "x"]);
  });

  it("per_page defaults to 30 and is capped at 100", async () => {
    const { number } = await gh.openPullRequest({ files: { "scripts/chatty.ts": "1\n" } });
    for (let i = 0; i < 101; i++) await api("POST", `${repoPath()}/issues/${number}/comments`, { body: `c${i}` });
    const path = `${repoPath()}/issues/${number}/comments`;
    const byDefault = await api("GET", path);
    expect(byDefault.body).toHaveLength(30);
    expect(links(byDefault.headers.get("link"))).toEqual({ next: 2, last: 4 });
    const capped = await api("GET", `${path}?per_page=500`);
    expect(capped.body).toHaveLength(100);
    expect(capped.headers.get("link")).toContain("per_page=100");
    expect(links(capped.headers.get("link"))).toEqual({ next: 2, last: 2 });
    const last = await api("GET", `${path}?per_page=100&page=2`);
    expect(last.body.map((c: any) => c.body)).toEqual(["c100"]);
    expect(links(last.headers.get("link"))).toEqual({ prev: 1, first: 1 });
  });

  it("compare: unpaged, the last 250 commits; paged, every commit", async () => {
    // A chain of 251 commits on main's tree, made through the API (cheaper than 251 branch commits).
    const base = await gh.head();
    const tree = (await api("GET", `${repoPath()}/git/commits/${base}`)).body.tree.sha as string;
    let tip = base;
    for (let i = 0; i < 251; i++) {
      tip = (await api("POST", `${repoPath()}/git/commits`, { message: `step ${i}`, tree, parents: [tip] })).body.sha;
    }
    const unpaged = await api("GET", `${repoPath()}/compare/${base}...${tip}`);
    expect(unpaged.body).toMatchObject({ status: "ahead", ahead_by: 251, total_commits: 251, files: [] });
    expect(unpaged.body.commits).toHaveLength(250);
    expect(unpaged.body.commits[0].commit.message).toBe("step 1");
    expect(unpaged.body.commits.at(-1).sha).toBe(tip);
    expect(unpaged.headers.get("link")).toBeNull();

    const page1 = await api("GET", `${repoPath()}/compare/${base}...${tip}?per_page=100`);
    expect(page1.body.commits).toHaveLength(100);
    expect(page1.body.commits[0].commit.message).toBe("step 0");
    expect(links(page1.headers.get("link"))).toEqual({ next: 2, last: 3 });
    const page3 = await api("GET", `${repoPath()}/compare/${base}...${tip}?per_page=100&page=3`);
    expect(page3.body).toMatchObject({ total_commits: 251 });
    expect(page3.body.commits).toHaveLength(51);
    expect(page3.body.commits.at(-1).sha).toBe(tip);
  });

  it("compare lists at most 300 files, when paged on page 1 only; PR files stop at 3000", async () => {
    const bulk = Object.fromEntries(Array.from({ length: 3001 }, (_, i) => [`bulk/f${String(i).padStart(4, "0")}.txt`, `${i}\n`]));
    const merged = await gh.mergePullRequest({ files: bulk });
    const compare = `${repoPath()}/compare/${merged.before}...${merged.after}`;
    expect((await api("GET", compare)).body.files).toHaveLength(300);
    const page1 = await api("GET", `${compare}?per_page=1`);
    expect(page1.body.commits.map((c: { sha: string }) => c.sha)).toEqual([merged.headSha]);
    expect(page1.body.files).toHaveLength(300);
    const page2 = await api("GET", `${compare}?per_page=1&page=2`);
    expect(page2.body.commits.map((c: { sha: string }) => c.sha)).toEqual([merged.after]);
    expect(page2.body.files).toBeUndefined();

    const files = `${repoPath()}/pulls/${merged.number}/files`;
    const first = await api("GET", `${files}?per_page=100`);
    expect(links(first.headers.get("link"))).toEqual({ next: 2, last: 30 });
    expect((await api("GET", `${files}?per_page=100&page=30`)).body).toHaveLength(100);
    expect((await api("GET", `${files}?per_page=100&page=31`)).body).toEqual([]);
  });
});
