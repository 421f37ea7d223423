import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendWebhook, startGitHubStandIn, type GitHubStandIn } from "./index.js";
import { client, fakeAppJwt, tokenHeader, type Api } from "./test-client.js";

describe("GitHub stand-in", () => {
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

  it("starts with README.md and scripts/.gitkeep on main", async () => {
    expect(gh.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(gh.baseUrl).toBe(`http://${gh.host}/api/v3`);
    expect(await gh.listFiles("main")).toEqual(["README.md", "scripts/.gitkeep"]);
    const repo = await api("GET", repoPath());
    expect(repo.status).toBe(200);
    expect(repo.body).toMatchObject({ full_name: "acme/widgets", default_branch: "main", private: true });
    expect(repo.body.owner.login).toBe("acme");
  });

  it("compare after mergePullRequest lists the new file as added", async () => {
    const merged = await gh.mergePullRequest({
      files: { "scripts/2024-06-01-fix-seats.ts": "console.log('fix');\n" },
      author: "alice",
      approvals: ["bob"],
    });
    expect(merged.before).not.toBe(merged.after);
    const commits = await gh.commits();
    expect(commits[0]).toMatchObject({ sha: merged.after, parents: [merged.before, merged.headSha] });

    const compare = await api("GET", `${repoPath()}/compare/${merged.before}...${merged.after}`);
    expect(compare.status).toBe(200);
    expect(compare.body).toMatchObject({ status: "ahead", ahead_by: 2, behind_by: 0, total_commits: 2 });
    expect(compare.body.commits.map((c: { sha: string }) => c.sha)).toEqual([merged.headSha, merged.after]);
    expect(compare.body.files).toEqual([
      expect.objectContaining({
        filename: "scripts/2024-06-01-fix-seats.ts",
        status: "added",
        additions: 1,
        deletions: 0,
        changes: 1,
      }),
    ]);
    const reversed = await api("GET", `${repoPath()}/compare/${merged.after}...${merged.before}`);
    expect(reversed.body).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 2, files: [] });
    const unknown = await api("GET", `${repoPath()}/compare/${"f".repeat(40)}...main`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ message: "Not Found", documentation_url: expect.any(String) });
  });

  it("contents returns the file base64-encoded, directories as arrays, 404 when missing", async () => {
    const content = "export default 42;\n// ünïcode\n";
    await gh.commitFiles({ files: { "scripts/answer.ts": content } });
    const file = await api("GET", `${repoPath()}/contents/${encodeURIComponent("scripts/answer.ts")}?ref=main`);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ type: "file", encoding: "base64", name: "answer.ts", path: "scripts/answer.ts" });
    expect(Buffer.from(file.body.content, "base64").toString("utf8")).toBe(content);
    expect(file.body.size).toBe(Buffer.byteLength(content));

    const dir = await api("GET", `${repoPath()}/contents/scripts`);
    expect(dir.status).toBe(200);
    expect(dir.body.map((entry: { path: string; type: string }) => [entry.path, entry.type])).toContainEqual(["scripts/answer.ts", "file"]);
    expect((await api("GET", `${repoPath()}/contents/nope.txt`)).status).toBe(404);
    expect((await api("GET", `${repoPath()}/contents/README.md?ref=no-such-branch`)).status).toBe(404);
    expect(await gh.readFile("main", "scripts/answer.ts")).toBe(content);
  });

  it("contents reports symlinks and submodules like GitHub", async () => {
    const tree = await api("POST", `${repoPath()}/git/trees`, {
      tree: [
        { path: "README.md", mode: "100644", type: "blob", content: "# links\n" },
        { path: "link", mode: "120000", type: "blob", content: "README.md" },
        { path: "docs/dangling", mode: "120000", type: "blob", content: "../missing.md" },
        { path: "vendor/lib", mode: "160000", type: "commit", sha: "a".repeat(40) },
        { path: ".gitmodules", mode: "100644", type: "blob", content: '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n' },
      ],
    });
    expect(tree.status).toBe(201);
    const commit = await api("POST", `${repoPath()}/git/commits`, { message: "links", tree: tree.body.sha, parents: [] });
    await api("POST", `${repoPath()}/git/refs`, { ref: "refs/heads/links", sha: commit.body.sha });
    // A symlink to a regular file answers with the file (documented), otherwise with the link itself.
    const link = await api("GET", `${repoPath()}/contents/link?ref=links`);
    expect(link.body).toMatchObject({ type: "file", path: "README.md" });
    expect(Buffer.from(link.body.content, "base64").toString()).toBe("# links\n");
    const dangling = await api("GET", `${repoPath()}/contents/docs/dangling?ref=links`);
    expect(dangling.body).toMatchObject({ type: "symlink", target: "../missing.md", path: "docs/dangling" });
    const listing = await api("GET", `${repoPath()}/contents?ref=links`);
    expect(listing.body.map((item: { name: string; type: string }) => [item.name, item.type])).toEqual([
      [".gitmodules", "file"],
      ["README.md", "file"],
      ["docs", "dir"],
      ["link", "symlink"],
      ["vendor", "dir"],
    ]);
    const sub = await api("GET", `${repoPath()}/contents/vendor/lib?ref=links`);
    expect(sub.body).toMatchObject({ type: "submodule", submodule_git_url: "https://example.com/lib.git", sha: "a".repeat(40) });
  });

  it("commits/:sha/pulls returns the merged PR, whose reviews are listed", async () => {
    const merged = await gh.mergePullRequest({
      files: { "scripts/reviewed.ts": "1;\n" },
      title: "Add reviewed script",
      author: "carol",
      reviews: [
        { user: "dave", state: "CHANGES_REQUESTED" },
        { user: "erin", state: "APPROVED" },
      ],
    });
    for (const sha of [merged.after, merged.headSha]) {
      const pulls = await api("GET", `${repoPath()}/commits/${sha}/pulls`);
      expect(pulls.status).toBe(200);
      expect(pulls.body).toHaveLength(1);
      expect(pulls.body[0]).toMatchObject({
        number: merged.number,
        state: "closed",
        title: "Add reviewed script",
        user: { login: "carol" },
        merge_commit_sha: merged.after,
        base: { ref: "main", sha: merged.before },
        head: { ref: `pr-${merged.number}`, sha: merged.headSha },
      });
      expect(pulls.body[0].merged_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const pull = await api("GET", `${repoPath()}/pulls/${merged.number}`);
    expect(pull.body).toMatchObject({ merged: true, changed_files: 1, merged_by: { login: "carol" } });

    const reviews = await api("GET", `${repoPath()}/pulls/${merged.number}/reviews`);
    expect(reviews.status).toBe(200);
    expect(reviews.body.map((r: { user: { login: string }; state: string; commit_id: string }) => [r.user.login, r.state, r.commit_id])).toEqual([
      ["dave", "CHANGES_REQUESTED", merged.headSha],
      ["erin", "APPROVED", merged.headSha],
    ]);
    const page2 = await api("GET", `${repoPath()}/pulls/${merged.number}/reviews?per_page=1&page=2`);
    expect(page2.body.map((r: { user: { login: string } }) => r.user.login)).toEqual(["erin"]);
    expect(page2.headers.get("link")).toContain('rel="prev"');
    expect((await api("GET", `${repoPath()}/pulls/999`)).status).toBe(404);
    const none = await api("GET", `${repoPath()}/commits/${merged.before}/pulls`);
    expect(none.body.every((pr: { number: number }) => pr.number !== merged.number)).toBe(true);
  });

  it("squash merges make one commit the PR is associated with", async () => {
    const merged = await gh.mergePullRequest({ files: { "scripts/squashed.ts": "2;\n" }, merge: "squash", approvals: ["bob"] });
    const [tip] = await gh.commits();
    expect(tip).toMatchObject({ sha: merged.after, parents: [merged.before] });
    expect(tip!.message).toMatch(/\(#\d+\)$/);
    const pulls = await api("GET", `${repoPath()}/commits/${merged.after}/pulls`);
    expect(pulls.body[0]).toMatchObject({ number: merged.number, merge_commit_sha: merged.after });
  });

  it("tree + commit + PATCH ref adds one file and deletes another in one commit", async () => {
    await gh.commitFiles({ files: { "scripts/old.ts": "old\n" } });
    const ref = await api("GET", `${repoPath()}/git/ref/${encodeURIComponent("heads/main")}`);
    expect(ref.status).toBe(200);
    expect(ref.body).toMatchObject({ ref: "refs/heads/main", object: { type: "commit" } });
    const parent = ref.body.object.sha as string;
    const parentCommit = await api("GET", `${repoPath()}/git/commits/${parent}`);
    expect(parentCommit.body.sha).toBe(parent);

    const tree = await api("POST", `${repoPath()}/git/trees`, {
      base_tree: parentCommit.body.tree.sha,
      tree: [
        { path: "runs/old.log", mode: "100644", type: "blob", content: "ran old.ts\n" },
        { path: "scripts/old.ts", mode: "100644", type: "blob", sha: null },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.body.truncated).toBe(false);
    const commit = await api("POST", `${repoPath()}/git/commits`, {
      message: "Record run of old.ts",
      tree: tree.body.sha,
      parents: [parent],
    });
    expect(commit.status).toBe(201);
    expect(commit.body).toMatchObject({ tree: { sha: tree.body.sha }, parents: [{ sha: parent }] });
    expect(commit.body.author.name).toBe("chorebot[bot]");

    const patched = await api("PATCH", `${repoPath()}/git/refs/${encodeURIComponent("heads/main")}`, {
      sha: commit.body.sha,
      force: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ref: "refs/heads/main", object: { sha: commit.body.sha, type: "commit" } });

    const [tip] = await gh.commits();
    expect(tip).toEqual({ sha: commit.body.sha, message: "Record run of old.ts", parents: [parent] });
    const files = await gh.listFiles("main");
    expect(files).toContain("runs/old.log");
    expect(files).not.toContain("scripts/old.ts");
    const compare = await api("GET", `${repoPath()}/compare/${parent}...${commit.body.sha}`);
    expect(compare.body.files.map((f: { filename: string; status: string }) => [f.filename, f.status])).toEqual([
      ["runs/old.log", "added"],
      ["scripts/old.ts", "removed"],
    ]);
    const recursive = await api("GET", `${repoPath()}/git/trees/${tree.body.sha}?recursive=1`);
    expect(recursive.body.tree).toContainEqual(expect.objectContaining({ path: "runs/old.log", type: "blob", mode: "100644" }));
    expect(recursive.body.tree).toContainEqual(expect.objectContaining({ path: "runs", type: "tree", mode: "040000" }));
  });

  it("PATCH ref with a stale parent is a 422 'Update is not a fast forward'", async () => {
    const stale = await gh.head();
    await gh.commitFiles({ files: { "scripts/someone-else.ts": "x\n" } });
    const parentTree = (await api("GET", `${repoPath()}/git/commits/${stale}`)).body.tree.sha as string;
    const tree = await api("POST", `${repoPath()}/git/trees`, {
      base_tree: parentTree,
      tree: [{ path: "runs/late.log", mode: "100644", type: "blob", content: "late\n" }],
    });
    const commit = await api("POST", `${repoPath()}/git/commits`, { message: "late", tree: tree.body.sha, parents: [stale] });
    const before = await gh.head();
    const patched = await api("PATCH", `${repoPath()}/git/refs/heads/main`, { sha: commit.body.sha, force: false });
    expect(patched.status).toBe(422);
    expect(patched.body).toMatchObject({ message: "Update is not a fast forward", documentation_url: expect.any(String) });
    expect(await gh.head()).toBe(before);
    expect(gh.requests.at(-1)).toMatchObject({ method: "PATCH", path: "/repos/acme/widgets/git/refs/heads/main", status: 422 });
  });

  it("rejects deleting a path that is not in base_tree, and bad parents", async () => {
    const tip = await api("GET", `${repoPath()}/git/commits/${await gh.head()}`);
    const tree = await api("POST", `${repoPath()}/git/trees`, {
      base_tree: tip.body.tree.sha,
      tree: [{ path: "does/not/exist.ts", mode: "100644", type: "blob", sha: null }],
    });
    expect(tree.status).toBe(422);
    const commit = await api("POST", `${repoPath()}/git/commits`, {
      message: "x",
      tree: tip.body.tree.sha,
      parents: ["0".repeat(40)],
    });
    expect(commit.status).toBe(422);
    const created = await api("POST", `${repoPath()}/git/refs`, { ref: "refs/heads/main", sha: tip.body.sha });
    expect(created).toMatchObject({ status: 422, body: { message: "Reference already exists" } });
  });

  it("serializes concurrent tree writes", async () => {
    const base = (await api("GET", `${repoPath()}/git/commits/${await gh.head()}`)).body.tree.sha as string;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api("POST", `${repoPath()}/git/trees`, {
          base_tree: base,
          tree: [{ path: `runs/concurrent-${i}.log`, mode: "100644", type: "blob", content: `${i}\n` }],
        }),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(result.status).toBe(201);
      const names = result.body.tree.map((entry: { path: string }) => entry.path);
      expect(names).toContain("runs");
      const runs = await api("GET", `${repoPath()}/git/trees/${result.body.sha}?recursive=1`);
      const logs = runs.body.tree.filter((entry: { path: string }) => entry.path.startsWith("runs/concurrent-"));
      expect(logs.map((entry: { path: string }) => entry.path)).toEqual([`runs/concurrent-${i}.log`]);
    }
  });

  it("creates refs, which git/ref then reads", async () => {
    const main = await gh.head();
    const created = await api("POST", `${repoPath()}/git/refs`, { ref: "refs/heads/feature/x", sha: main });
    expect(created).toMatchObject({ status: 201, body: { ref: "refs/heads/feature/x", object: { sha: main } } });
    const read = await api("GET", `${repoPath()}/git/ref/${encodeURIComponent("heads/feature/x")}`);
    expect(read.body).toMatchObject({ ref: "refs/heads/feature/x", object: { sha: main, type: "commit" } });
    expect((await api("GET", `${repoPath()}/git/ref/heads/feature`)).status).toBe(404);
    const invalid = await api("POST", `${repoPath()}/git/refs`, { ref: "heads/no-prefix", sha: main });
    expect(invalid.status).toBe(422);
  });

  it("creates blobs from utf-8 or base64 content", async () => {
    const utf8 = await api("POST", `${repoPath()}/git/blobs`, { content: "blob\n" });
    expect(utf8).toMatchObject({ status: 201, body: { sha: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    const base64 = await api("POST", `${repoPath()}/git/blobs`, { content: Buffer.from("blob\n").toString("base64"), encoding: "base64" });
    expect(base64.body.sha).toBe(utf8.body.sha);
    expect(utf8.headers.get("location")).toBe(utf8.body.url);
  });

  it("failNext injects the status once, then answers normally", async () => {
    gh.failNext({ method: "GET", path: /\/git\/ref\/heads\//, status: 502 });
    const failed = await api("GET", `${repoPath()}/git/ref/heads/main`);
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ message: "Bad Gateway" });
    const ok = await api("GET", `${repoPath()}/git/ref/heads/main`);
    expect(ok.status).toBe(200);
    expect(gh.requests.slice(-2).map((r) => r.status)).toEqual([502, 200]);
  });

  it("authenticates like GitHub and answers unknown routes with 404", async () => {
    const anonymous = await fetch(`${gh.baseUrl}${repoPath()}`);
    expect(anonymous.status).toBe(401);
    const badToken = await fetch(`${gh.baseUrl}${repoPath()}`, { headers: { authorization: "token ghs_nope" } });
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toMatchObject({ message: "Bad credentials" });
    const noJwt = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}/access_tokens`, { method: "POST" });
    expect(noJwt.status).toBe(401);
    const noIss = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}/access_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${fakeAppJwt("")}` },
    });
    expect(noIss.status).toBe(401);
    const installation = await fetch(`${gh.baseUrl}${repoPath()}/installation`, {
      headers: { authorization: `Bearer ${fakeAppJwt()}` },
    });
    expect(await installation.json()).toMatchObject({ id: gh.installationId, account: { login: "acme" } });
    const byId = await fetch(`${gh.baseUrl}/app/installations/${gh.installationId}`, {
      headers: { authorization: `Bearer ${fakeAppJwt()}` },
    });
    expect(await byId.json()).toMatchObject({ id: gh.installationId, app_id: 4242, target_type: "Organization" });
    const otherId = await fetch(`${gh.baseUrl}/app/installations/1`, { headers: { authorization: `Bearer ${fakeAppJwt()}` } });
    expect(otherId.status).toBe(404);

    const unknown = await api("GET", `${repoPath()}/no/such/route?x=1`);
    expect(unknown).toMatchObject({
      status: 404,
      body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
    });
    expect(gh.requests.at(-1)).toMatchObject({ method: "GET", path: `${repoPath()}/no/such/route`, status: 404 });
    expect((await api("GET", "/repos/other/repo")).status).toBe(404);

    const badJson = await fetch(`${gh.baseUrl}${repoPath()}/git/blobs`, {
      method: "POST",
      headers: { authorization: await tokenHeader(gh), "content-type": "application/json" },
      body: "{not json",
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ message: "Problems parsing JSON" });
  });

  it("builds a push payload from the published example", async () => {
    const merged = await gh.mergePullRequest({ files: { "scripts/pushed.ts": "3;\n" }, author: "alice" });
    const payload = gh.pushPayload({ before: merged.before, after: merged.after }) as any;
    expect(payload).toMatchObject({
      ref: "refs/heads/main",
      before: merged.before,
      after: merged.after,
      created: false,
      deleted: false,
      forced: false,
      installation: { id: gh.installationId },
      repository: { name: "widgets", full_name: "acme/widgets", default_branch: "main", master_branch: "main", owner: { login: "acme" } },
      sender: { login: "alice" },
      pusher: { name: "alice" },
    });
    expect(payload.commits.map((c: { id: string }) => c.id)).toEqual([merged.headSha, merged.after]);
    expect(payload.commits[0].added).toEqual(["scripts/pushed.ts"]);
    expect(payload.head_commit.id).toBe(merged.after);
    expect(JSON.stringify(payload)).not.toContain("Codertocat");
  });
});

describe("sendWebhook", () => {
  it("signs the exact body so @octokit/webhooks-methods verifies it", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(202).end("accepted");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
      const result = await sendWebhook({ url, secret: "s3cret", event: "push", payload: { hello: "wörld" }, deliveryId: "d-1" });
      expect(result).toEqual({ status: 202, body: "accepted" });
      const [delivery] = received;
      expect(delivery!.headers).toMatchObject({
        "x-github-event": "push",
        "x-github-delivery": "d-1",
        "content-type": "application/json",
      });
      const signature = delivery!.headers["x-hub-signature-256"] as string;
      expect(await verify("s3cret", delivery!.body, signature)).toBe(true);
      expect(await verify("wrong", delivery!.body, signature)).toBe(false);

      await sendWebhook({ url, secret: "s3cret", event: "push", payload: {}, signature: "sha256=00" });
      expect(received[1]!.headers["x-hub-signature-256"]).toBe("sha256=00");
      expect(received[1]!.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      server.close();
    }
  });
});
